# Spec: [MS-OXCFXICS] 2.2.3.2.4.6, 3.2.5.9.4.6, 3.3.4.3.3.2.4. Digest: R-167..R-170.
Feature: Uploading read-state changes with RopSynchronizationImportReadStateChanges

  Background:
    Given a folder with 3 messages and 1 FAI message
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.3.4.3.3.2.4 (R-170), 3.2.5.9.4.6 (R-167)
  @R-167 @R-170 @R-164 @client-duty
  Scenario: Read flags set locally reach the server and the upload state's CnsetRead (MS-OXCFXICS 3.2.5.9.4.6)
    Given the client marks message m1 as read locally
    And the client marks message m2 as read locally
    When the client uploads its local changes
    Then every ImportReadStateChanges entry carried a 22-byte source key and MarkAsRead 0x01 or 0x00
    And on the server, messages m1, m2 are read
    And on the server, message m3 is unread
    And the upload state's CnsetRead covers the read change numbers of m1, m2

  # [MS-OXCFXICS] 3.2.5.9.4.6 (R-168)
  @R-168
  Scenario: Read-state changes of FAI messages are ignored (MS-OXCFXICS 3.2.5.9.4.6)
    When the client imports a read-state change marking f1 as read
    Then the last ROP succeeds
    And on the server, message f1 keeps its read state

  # [MS-OXCFXICS] 3.2.5.9.4.6 (R-169): fail before applying any, rather than partially
  @R-169
  Scenario: A batch with an unknown message fails as a whole or is applied, never partially (MS-OXCFXICS 3.2.5.9.4.6)
    When the client imports read-state changes marking m1 and a message unknown to the server as read
    Then the last ROP fails and leaves m1 unread on the server, or succeeds with a SHOULD-level warning

  # [MS-OXCFXICS] 3.2.5.6 (R-163): the uploaded read change does not come back as a message change
  @R-163 @R-166
  Scenario: After the upload the next download brings no change for the read message (MS-OXCFXICS 3.2.5.6)
    Given the client marks message m3 as read locally
    When the client uploads its local changes
    And the client synchronizes contents with its saved state
    Then the download holds no change for m3
    And the download holds no read-state changes
