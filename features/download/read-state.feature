# Spec: [MS-OXCFXICS] 3.2.5.6 (read state), 3.2.5.3, 2.2.4.3.22, 3.2.5.9.1.1 (ReadState), 3.2.5.7.
# Digest: server-rules.md group N, R-086.
Feature: Read-state changes in a contents download

  Background:
    Given a folder with 3 messages and 1 FAI message
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.2.5.6 (R-163, R-164), 2.2.4.3.22 (R-165), 3.2.5.3 (R-144, R-145, R-147). The
  # final CnsetSeen may grow by collapsed ranges (R-135), so it is checked to cover m1's unchanged
  # CN; IdsetGiven is exact (R-144) and a read-state change adds no ID.
  @R-086 @R-163 @R-164 @R-165 @R-145 @R-147 @R-186
  Scenario: Marking a message read is sent as a read-state change, not a message change (MS-OXCFXICS 3.2.5.6)
    Given on the server, message m1 is marked as read
    When the client synchronizes contents with its saved state
    Then the download holds read-state changes marking m1 as read
    And the download holds no change for m1
    And the final state's CnsetRead covers the read change number of m1
    And the final state's CnsetSeen covers the change number of m1
    And the final state's IdsetGiven equals the previous final state's IdsetGiven
    And message m1 in the replica is read

  @R-086 @R-165
  Scenario: Marking a message unread is sent in MetaTagIdsetUnread (MS-OXCFXICS 2.2.4.3.22)
    Given on the server, message m2 is marked as read
    And the client has synchronized contents
    And on the server, message m2 is marked as unread
    When the client synchronizes contents with its saved state
    Then the download holds read-state changes marking m2 as unread
    And message m2 in the replica is unread

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-086), 2.2.4.3.22 (R-165); 2.2.1.1.4 (R-145): CnsetRead holds
  # only read-state changes communicated to the client
  @R-086 @R-165 @R-145
  Scenario: Without ReadState no read-state changes are sent (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI
    And on the server, message m1 is marked as read
    When the client synchronizes contents with its saved state
    Then the download holds no read-state changes
    And the final state's CnsetRead does not cover the read change number of m1

  # [MS-OXCFXICS] 3.2.5.3 (R-166, R-150): a message with a change in this session gets no read-state change
  @R-166 @R-150
  Scenario: A message both modified and read is sent only as a message change (MS-OXCFXICS 3.2.5.3)
    Given on the server, message m1 is marked as read
    And on the server, message m1 is modified
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m1
    And the download holds no read-state changes
    And message m1 in the replica is read

  # [MS-OXCFXICS] 3.2.5.3 (R-166), 3.2.5.9.4.6 (R-168): FAI read state is not tracked
  @R-166 @R-168
  Scenario: FAI messages never appear in read-state changes (MS-OXCFXICS 3.2.5.3)
    Given on the server, message f1 is marked as read
    When the client synchronizes contents with its saved state
    Then the download holds no read-state changes

  # [MS-OXCFXICS] 3.2.5.3 (R-148, R-147): deleted messages get no read-state change
  @R-148 @R-147
  Scenario: A message read and then deleted is reported only as deleted (MS-OXCFXICS 3.2.5.3)
    Given on the server, message m3 is marked as read
    And on the server, message m3 is hard deleted
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m3 in MetaTagIdsetDeleted
    And the download holds no read-state changes
