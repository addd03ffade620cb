# Spec: [MS-OXCFXICS] 2.2.3.2.4.4, 3.2.5.9.4.4, 3.3.5.8.9, 3.3.4.3.3.2.1.1, 3.3.4.3.3.2.2.
# Digest: R-218..R-221, R-209, group Y row "ImportMessageMove with older server version".
Feature: Uploading a message move with RopSynchronizationImportMessageMove

  Background:
    Given a folder tree:
      | folder | parent | messages |
      | Src    | root   | 3        |
      | Dst    | root   | 0        |
    And the client has synchronized contents of folder Src
    And the client has synchronized contents of folder Dst

  # [MS-OXCFXICS] 2.2.3.2.4.4.1 (R-218), 3.2.5.9.4.4 (R-219), 2.2.3.2.4.4.2 (R-209)
  @R-218 @R-219 @R-209 @client-duty
  Scenario: A move is uploaded on the destination collector and tracked in CnsetSeen (MS-OXCFXICS 3.3.5.8.9)
    Given the client moves message m1 locally from folder Src to folder Dst
    When the client uploads its local changes of folder Dst
    Then the ImportMessageMove was sent on the contents collector of folder Dst with five non-zero size fields
    And every ImportMessageMove response carried MessageId 0x0000000000000000
    And the server folder Dst holds m1
    And the upload state's CnsetSeen covers the new change number of m1

  # [MS-OXCFXICS] 3.3.5.8.9 (R-221): the source scope's IdsetGiven loses the moved MID
  @R-221 @client-duty
  Scenario: After the move the source folder's download reports nothing unexpected (MS-OXCFXICS 3.3.5.8.9)
    Given the client moves message m1 locally from folder Src to folder Dst
    When the client uploads its local changes of folder Dst
    And the client synchronizes contents of folder Src with its saved state
    Then the download holds no change for m1
    And the download holds no deletions element
    And the replica equals the server folder Src

  # [MS-OXCFXICS] 2.2.3.2.4.4.2 (R-220); group Y: 0x00040821 (no MessageId) or Success
  @R-220
  Scenario: Moving a message whose server version is older than the client's is answered with success or SyncClientChangeNewer (MS-OXCFXICS 2.2.3.2.4.4.2)
    Given the client modifies message m2 locally
    And the client moves message m2 locally from folder Src to folder Dst
    When the client imports the move of m2 with the client's newer change number and PCL
    Then the last ROP succeeds, or answers 0x00040821 without a MessageId
