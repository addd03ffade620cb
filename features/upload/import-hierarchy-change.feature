# Spec: [MS-OXCFXICS] 2.2.3.2.4.3, 3.2.5.9.4.3, 3.3.4.3.3.1.1, 3.3.5.8.8. Digest: R-213..R-217, R-209, R-229.
Feature: Uploading folder changes with RopSynchronizationImportHierarchyChange

  Background:
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 0        |
      | A      | Sync   | 0        |
    And the client has synchronized the hierarchy of folder Sync

  # [MS-OXCFXICS] 2.2.3.2.4.3.1 (R-213, R-214), 3.2.5.9.4.3 (R-216), 2.2.3.2.4.3.2 (R-209)
  @R-213 @R-214 @R-216 @R-209 @R-201 @client-duty
  Scenario: A folder created locally under the collector's folder is uploaded (MS-OXCFXICS 3.3.4.3.3.1.1)
    Given the client creates folder N locally under Sync
    When the client uploads its local hierarchy changes
    Then every ImportHierarchyChange held exactly PidTagParentSourceKey, PidTagSourceKey, PidTagLastModificationTime, PidTagChangeKey, PidTagPredecessorChangeList, PidTagDisplayName
    And the ImportHierarchyChange for N had a zero-length PidTagParentSourceKey
    And every ImportHierarchyChange response carried FolderId 0x0000000000000000
    And the replica's folder tree equals the server's
    And the upload state's CnsetSeen covers the change number of N

  # [MS-OXCFXICS] 3.3.5.8.8 (R-217): parents before children; a move changes PidTagParentSourceKey
  @R-217 @client-duty
  Scenario: A new folder tree is uploaded parents first, and a move changes the parent source key (MS-OXCFXICS 3.3.5.8.8)
    Given the client creates folder P locally under Sync
    And the client creates folder Q locally under P
    And the client moves folder A locally under P
    When the client uploads its local hierarchy changes
    Then the ImportHierarchyChange for P came before the one for Q
    And the replica's folder tree equals the server's

  # [MS-OXCFXICS] 3.3.4.3.3.1.1 (R-229); group Y row "ImportHierarchyChange with unknown parent" → 0x80040803
  @R-229
  Scenario: A folder whose parent is unknown is answered with SyncNoParent (MS-OXCFXICS 3.3.4.3.3.1.1)
    When the client imports a folder change whose parent source key is unknown to the server
    Then the last ROP fails with 0x80040803

  # [MS-OXCFXICS] 3.2.5.9.4.3 (R-215)
  @R-215
  Scenario: PropertyValues duplicating HierarchyValues are ignored (MS-OXCFXICS 3.2.5.9.4.3)
    When the client imports a new folder change with PidTagDisplayName "X" and also "Y" in PropertyValues
    Then the last ROP succeeds
    And on the server, the new folder is named "X"
