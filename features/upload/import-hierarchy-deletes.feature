# Spec: [MS-OXCFXICS] 2.2.3.2.4.5, 3.2.5.9.4.5, 3.3.4.3.3.1.1, 3.3.4.3.3.2.3, 3.3.5.8.8, 3.3.5.8.10.
# Digest: R-222, R-224, R-228, R-229; group Y rows on ImportDeletes and "ImportHierarchyChange with unknown parent".
Feature: Uploading folder deletions, and a parent the server does not know

  Background:
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 0        |
      | A      | Sync   | 1        |
      | A1     | A      | 0        |
      | B      | Sync   | 0        |
    And the client has synchronized the hierarchy of folder Sync

  # [MS-OXCFXICS] 2.2.3.2.4.5.1 (R-222: Hierarchy flag on a hierarchy collector, one PtypMultipleBinary),
  # 3.3.5.8.10 (R-228: the deleted FIDs leave IdsetGiven), 3.2.5.9.4.5 (the subtree goes with the folder)
  @R-222 @R-228 @client-duty
  Scenario: A folder deleted locally is uploaded with its subtree in a hierarchy ImportDeletes (MS-OXCFXICS 3.3.5.8.10)
    Given the client deletes folder A locally
    When the client uploads its local hierarchy changes
    Then one ImportDeletes with ImportDeleteFlags Hierarchy carried the source keys of folder A
    And every ImportDeletes succeeded
    And the replica's folder tree equals the server's
    And the upload state's IdsetGiven does not hold A, A1
    And the upload state's IdsetGiven holds B

  # [MS-OXCFXICS] 3.2.5.9.4.5 (R-224): a folder already deleted on the server is ignored
  @R-224
  Scenario: Deleting a folder the server already deleted is ignored (MS-OXCFXICS 3.2.5.9.4.5)
    Given on the server, folder A is hard deleted
    And the client deletes folder A locally
    When the client uploads its local hierarchy changes
    Then every ImportDeletes succeeded
    And the upload state's IdsetGiven does not hold A, A1

  # [MS-OXCFXICS] 3.3.4.3.3.1.1, 3.3.5.8.8 (R-229: handle SyncNoParent by uploading the parent first)
  @R-229 @client-duty
  Scenario: A folder answered SyncNoParent makes the client upload its missing parent first (MS-OXCFXICS 3.3.5.8.8)
    Given the client creates folder P locally under Sync
    And the client's upload of folder P was lost
    And the client creates folder Q locally under P
    When the client uploads its local hierarchy changes
    Then the ImportHierarchyChanges were sent for Q, P, Q and answered 0x80040803, 0x00000000, 0x00000000
    And the replica's folder tree equals the server's
    And the upload state's IdsetGiven holds P, Q
