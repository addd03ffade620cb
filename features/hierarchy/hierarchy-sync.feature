# Spec: [MS-OXCFXICS] 3.2.5.3, 2.2.4.3.5 (folderChange), 3.2.5.5, 3.2.5.9.1.1, 2.2.4.3.3, 2.2.4.3.25;
#       [MS-OXCSYNC] 3.1.1.1. Digest: server-rules.md R-094, R-100, R-105, R-115, R-116, R-132, R-140, R-158.
Feature: Hierarchy synchronization of a folder tree

  Background:
    Given a folder tree:
      | folder | parent   | messages |
      | Sync   | root     | 1        |
      | A      | Sync     | 0        |
      | B      | Sync     | 0        |
      | A1     | A        | 2        |

  # [MS-OXCFXICS] 3.2.5.3 (R-140), 2.2.4.3.5 (R-115); [MS-OXCSYNC] 1.5 (R-298)
  @R-140 @R-115 @R-298 @R-276
  Scenario: An empty state brings every descendant folder, parents before children (MS-OXCFXICS 3.2.5.3)
    When the client synchronizes the hierarchy of folder Sync with an empty state
    Then the download holds 3 folder changes
    And every folder change holds PidTagParentSourceKey, PidTagSourceKey, PidTagLastModificationTime, PidTagChangeKey, PidTagPredecessorChangeList, PidTagDisplayName
    And every folder change comes after the change of its parent
    And the download holds no message changes
    And the replica's folder tree equals the server's

  # [MS-OXCFXICS] 3.2.5.5 (R-116): the synchronized root has a zero-length source key
  @R-116
  Scenario: Folders directly under the root name it with a zero-length PidTagParentSourceKey (MS-OXCFXICS 3.2.5.5)
    When the client synchronizes the hierarchy of folder Sync with an empty state
    Then the folder changes of A and B have a zero-length PidTagParentSourceKey

  # [MS-OXCFXICS] 2.2.4.3.5 (R-100, R-105, R-094)
  @R-100 @R-105 @R-094
  Scenario: With Eid every folder change holds PidTagFolderId (MS-OXCFXICS 2.2.4.3.5)
    Given the extra flags are Eid
    And the synchronization flags are Unicode, NoForeignIdentifiers
    When the client synchronizes the hierarchy of folder Sync with an empty state
    Then every folder change holds PidTagFolderId
    And every folder change holds PidTagParentFolderId, or a SHOULD-level warning is recorded

  # [MS-OXCFXICS] 3.2.5.3 (R-140, R-155), 2.2.4.3.3 (R-158)
  @R-140 @R-155 @R-158 @R-157
  Scenario: Renamed, new and deleted folders are sent incrementally (MS-OXCFXICS 3.2.5.3)
    Given the client has synchronized the hierarchy of folder Sync
    And on the server, folder B is renamed to "B renamed"
    And on the server, folder C is created under A
    And on the server, folder A1 is hard deleted
    When the client synchronizes the hierarchy of folder Sync with its saved state
    Then the download holds folder changes for B, C
    And the download holds a deletion of folder A1 in MetaTagIdsetDeleted
    And the download holds no deletion in MetaTagIdsetNoLongerInScope
    And the replica's folder tree equals the server's

  # [MS-OXCFXICS] 2.2.4.3.25 (R-132), 3.3.4.3.1 (R-126)
  @R-132 @R-126 @R-125
  Scenario: A hierarchy state holds only IdsetGiven and CnsetSeen (MS-OXCFXICS 2.2.4.3.25)
    When the client synchronizes the hierarchy of folder Sync with an empty state
    Then the final state holds only MetaTagIdsetGiven, MetaTagCnsetSeen
    And the client uploaded the state properties MetaTagIdsetGiven, MetaTagCnsetSeen as zero-length values

  # [MS-OXCFXICS] 3.1.5.3 (R-254): message changes do not change the folder's CN
  @R-254
  Scenario: A new message in a folder does not produce a folder change (MS-OXCFXICS 3.1.5.3)
    Given the client has synchronized the hierarchy of folder Sync
    And on the server, 1 new message is created in folder A1
    When the client synchronizes the hierarchy of folder Sync with its saved state
    Then the download holds no folder change for A1 besides PidTagLocalCommitTimeMax and PidTagDeletedCountTotal updates

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-093): NoForeignIdentifiers regenerates source keys from the FIDs
  @R-093
  Scenario: With NoForeignIdentifiers a folder's SourceKey is generated from its FID (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, NoForeignIdentifiers
    And the extra flags are Eid
    When the client synchronizes the hierarchy of folder Sync with an empty state
    Then every folder change's PidTagSourceKey is the GID of its PidTagFolderId
