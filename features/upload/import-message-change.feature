# Spec: [MS-OXCFXICS] 2.2.3.2.4.1, 2.2.3.2.4.2, 3.2.5.9.4.2, 3.3.5.8.7, 3.1.5.3, 3.3.4.3.3;
#       [MS-OXCSYNC] 3.1.5.3.9. Digest: server-rules.md group S, group Y rows on ImportMessageChange.
Feature: Uploading message changes with RopSynchronizationImportMessageChange

  Background:
    Given a folder with 2 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.3.4.3.3 (R-019), 2.2.3.2.4.1.1 (R-201), 3.3.5.8.6 (R-202), 3.3.5.8.7 (R-210)
  @R-019 @R-201 @R-202 @R-203 @R-210 @R-299 @R-334 @client-duty
  Scenario: The client uploads a new message through a contents collector (MS-OXCFXICS 3.3.4.3.3)
    Given the client creates 1 message locally
    When the client uploads its local changes
    Then the ROP trace holds, in order:
      | RopSynchronizationOpenCollector           |
      | RopSynchronizationUploadStateStreamBegin  |
      | RopSynchronizationUploadStateStreamEnd    |
      | RopSynchronizationImportMessageChange     |
      | RopSetProperties                          |
      | RopSaveChangesMessage                     |
      | RopSynchronizationGetTransferState        |
      | RopFastTransferSourceGetBuffer            |
    And every ImportMessageChange held exactly PidTagSourceKey, PidTagLastModificationTime, PidTagChangeKey, PidTagPredecessorChangeList
    And the server folder holds m3

  # [MS-OXCFXICS] 2.2.3.2.4.2.2 (R-209), 3.2.5.9.4.2 (R-206), 3.1.5.3 (R-211)
  # The returned message is read by a probe: the import of a successor version, read with
  # RopGetPropertiesAll before anything is set, released unsaved.
  @R-209 @R-206 @R-211 @R-205 @R-265
  Scenario: An imported message gets a new internal change number and keeps the given ChangeKey (MS-OXCFXICS 3.1.5.3)
    Given the client modifies message m1 locally
    When the client uploads its local changes
    Then every ImportMessageChange response carried MessageId 0x0000000000000000
    And the message returned by ImportMessageChange had no client-settable properties
    And on the server, message m1 has the ChangeKey the client sent and a PCL holding it
    And on the server, message m1 has a new change number

  # [MS-OXCFXICS] 3.3.5.8.6 (R-212), 3.1.5.3 (R-173), [MS-OXCSYNC] 3.1.5.3.9 (R-334)
  # An imported version is stored as given (3.1.5.3): the server adds no PidTagMessageDeliveryTime
  # (set when a server receives a message, [MS-OXOMSG] 2.2.3.9), which the client could not learn.
  @R-212 @R-173 @R-334 @R-197 @R-196 @R-129 @R-130 @client-duty
  Scenario: After an upload the next download does not bring the uploaded change back (MS-OXCFXICS 3.3.5.8.6)
    Given the client modifies message m1 locally
    And the client creates 1 message locally
    When the client uploads its local changes
    And the client synchronizes contents with its saved state
    Then the download holds no changes
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.3.4.3.3 (R-139): upload without initial state
  @R-139
  Scenario: An upload without an initial state works and the change may come back once (MS-OXCFXICS 3.3.4.3.3)
    Given the client modifies message m1 locally
    When the client uploads its local changes with no state upload
    And the client synchronizes contents with its saved state
    Then on the server, message m1 is the client's version
    And the download holds no change or a change for m1 equal to the client's version

  # [MS-OXCFXICS] 3.3.4.3.3 (R-230); group Y row "Re-import identical change" → 0x80040801
  # The client engine sends the same version again, as after losing the server's acknowledgment.
  @R-230 @R-229
  Scenario: Importing the same change again is answered with SyncIgnore (MS-OXCFXICS 3.3.4.3.3)
    Given the client modifies message m1 locally
    And the client has uploaded its local changes
    When the client imports the change of m1 again
    Then the last ROP fails with 0x80040801
    And the client treated 0x80040801 as non-fatal

  # [MS-OXCFXICS] 3.2.5.9.4.2 (R-208); group Y row "ImportFlag unknown bits"
  @R-208
  Scenario: An unknown ImportFlag bit fails the import (MS-OXCFXICS 3.2.5.9.4.2)
    Given the client modifies message m1 locally
    When the client imports the change of m1 with ImportFlag 0xAA
    Then the last ROP fails with 0x80070057, or succeeds with a SHOULD-level warning

  # [MS-OXCFXICS] 2.2.3.2.4.2.1 (R-203); group Y row "wrong property order / extra props / count 0"
  @R-203
  Scenario Outline: An ImportMessageChange with <defect> fails (MS-OXCFXICS 2.2.3.2.4.2.1)
    Given the client modifies message m1 locally
    When the client imports the change of m1 with <defect>
    Then the last ROP fails

    Examples:
      | defect                                  |
      | the header properties in another order  |
      | an extra property after the PCL         |
      | no property values                      |

  # [MS-OXCFXICS] 2.2.3.2.4.2.1 (R-172), 3.1.5.3 (R-173)
  @R-172 @R-173
  Scenario: A new FAI message uploaded with the Associated flag is tracked as FAI (MS-OXCFXICS 2.2.3.2.4.2.1)
    Given the client creates 1 FAI message locally
    When the client uploads its local changes
    Then on the server, message f1 has property PidTagAssociated true
    And the upload state's CnsetSeenFAI covers the change number of f1

  # [MS-OXCFXICS] 3.3.5.8.7 (R-185, R-204): a full upload replaces the message
  @R-185 @R-204 @R-184
  Scenario: Uploading a change of an existing message uploads the entire message (MS-OXCFXICS 3.3.5.8.7)
    Given the client deletes property PidTagBody of message m1 locally
    When the client uploads its local changes
    Then on the server, message m1 has no property PidTagBody
    And the replica's message m1 equals the server's

  # [MS-OXCSYNC] 3.1.5.1 (R-318), [MS-OXCFXICS] 3.3.5.1 (R-200)
  @R-318 @R-200 @client-duty
  Scenario: A synchronization uploads local changes before downloading (MS-OXCSYNC 3.1.5.1)
    Given the client modifies message m1 locally
    And on the server, message m2 is modified
    When the client runs a full synchronization of the folder
    Then the ROP trace has RopSynchronizationOpenCollector before RopSynchronizationConfigure
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.3.4.3.3.2 (R-231): import ROPs in any order, mixed
  @R-231
  Scenario: Imports of different kinds may be mixed on one collector (MS-OXCFXICS 3.3.4.3.3.2)
    Given the client marks message m2 as read locally
    And the client deletes message m1 locally
    And the client creates 1 message locally
    When the client uploads its local changes, sending the read state first, then the deletion, then the new message
    Then every import succeeded
    And the replica equals the server folder
