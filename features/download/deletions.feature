# Spec: [MS-OXCFXICS] 3.2.5.3, 2.2.4.3.3, 2.2.1.3, 3.2.5.9.1.1 (NoDeletions). Digest: group M, R-083, R-084, R-099.
Feature: Hard and soft deletions in a contents download

  Background:
    Given a folder with 3 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.2.5.3 (R-155), 2.2.1.3.1 (R-157), 2.2.4.3.3 (R-158, R-159)
  @R-155 @R-157 @R-158 @R-159 @R-083 @R-143 @R-144
  Scenario Outline: A <kind> deleted message is reported in MetaTagIdsetDeleted (MS-OXCFXICS 3.2.5.3)
    Given on the server, message m2 is <kind> deleted
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m2 in MetaTagIdsetDeleted
    And the final state's IdsetGiven holds m1, m3
    And the replica holds 2 messages
    And the replica equals the server folder

    Examples:
      | kind |
      | hard |
      | soft |

  # [MS-OXCFXICS] 2.2.1.3.2 (R-157): a message moved away is soft-deleted in the source
  @R-157 @R-155
  Scenario: A message moved to another folder is reported deleted in the source scope (MS-OXCFXICS 2.2.1.3.2)
    Given on the server, message m1 is moved to another folder
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m1 in MetaTagIdsetDeleted

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-083, R-099), 2.2.4.3.3
  @R-083 @R-099 @R-081
  Scenario: NoDeletions suppresses the deletions element (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, NoDeletions
    And on the server, message m2 is hard deleted
    When the client synchronizes contents with its saved state
    Then the download holds no deletions element
    And the replica holds 3 messages

  # [MS-OXCFXICS] 3.2.5.3 (R-144): with NoDeletions the deleted ID stays out of the final IdsetGiven only if reported
  @R-144 @R-083
  Scenario: After a NoDeletions download a normal download still reports the deletion (MS-OXCFXICS 3.2.5.3)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, NoDeletions
    And on the server, message m2 is hard deleted
    When the client synchronizes contents with its saved state
    And the synchronization flags are Unicode, Normal, FAI, ReadState
    And the client synchronizes contents with its saved state
    Then the download holds a deletion of m2 in MetaTagIdsetDeleted
    And the replica equals the server folder
