# Spec: [MS-OXCFXICS] 3.1.5.6 (conflict detection, resolution, reporting), 2.2.1.4.1, 3.2.5.9.4.2,
#       3.2.5.9.4.3; [MS-OXCSYNC] 3.1.5.4. Digest: server-rules.md group T, R-174, R-207, R-338..R-340.
Feature: PCL conflict detection and resolution

  Background:
    Given a folder with 2 messages and 1 FAI message
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.1.5.6.1 (R-233..R-235)
  @R-233 @R-234 @R-235
  Scenario: A client change based on the server's version replaces it without conflict (MS-OXCFXICS 3.1.5.6.1)
    Given the client modifies message m1 locally
    When the client uploads its local changes
    Then every ImportMessageChange succeeded
    And on the server, message m1 has a PCL that includes the PCL it had before

  # [MS-OXCFXICS] 3.1.5.6.1 (R-235): an older version is ignored
  @R-235 @R-230
  Scenario: Importing a version older than the server's is ignored (MS-OXCFXICS 3.1.5.6.1)
    Given on the server, message m1 is modified
    When the client imports message m1 with the PCL it had before the server change
    Then the last ROP fails with 0x80040801, or succeeds and the server keeps its version of m1

  # [MS-OXCFXICS] 3.2.5.9.4.2 (R-207); group Y row "conflicting with FailOnConflict"
  @R-207 @R-205
  Scenario: FailOnConflict refuses a conflicting version (MS-OXCFXICS 3.2.5.9.4.2)
    Given on the server, message m1 is modified
    And the client modifies message m1 locally
    When the client imports the change of m1 with ImportFlag FailOnConflict
    Then ImportMessageChange or the following RopSaveChangesMessage fails with 0x80040802, or both succeed and the outcome is recorded
    And on the server, message m1 is the server's version when the import failed

  # [MS-OXCFXICS] 3.1.5.6.2 (R-238, R-239, R-241, R-242), 2.2.1.4.1 (R-245, R-243)
  # The versions are read with RopGetAttachmentTable, RopOpenAttachment and RopOpenEmbeddedMessage
  # (PidTagInConflict lies in 0x6600-0x67FF, so no download shows it, R-045).
  @R-238 @R-239 @R-240 @R-241 @R-242 @R-243 @R-244 @R-245 @R-250 @R-237
  Scenario: A conflicting change creates a conflict resolve message with last-writer-wins (MS-OXCFXICS 3.1.5.6.2.1)
    Given on the server, message m1 is modified
    And the client modifies message m1 locally, later than the server change
    When the client uploads its local changes without FailOnConflict
    Then on the server, message m1 is a conflict resolve message whose body is the client's version
    And the conflict resolve message has msInConflict set in PidTagMessageStatus
    And the conflict resolve message has a PCL that includes both versions' PCLs
    And the conflict resolve message holds both versions as attachments with PidTagInConflict true

  # [MS-OXCFXICS] 3.1.5.6.2.1 (R-239, R-240), 3.1.5.6.2 (R-238), 3.1.5.6 (R-248), 3.1.5.6.1 (R-235):
  # a conflict resolve message is synchronized as its versions, and the receiver detects the
  # conflict and resolves it with the server's rule (last writer wins: the client's version).
  @R-238 @R-239 @R-240 @R-248 @R-235 @R-340
  Scenario: A conflict resolve message is synchronized as its versions and the client picks the same winner (MS-OXCFXICS 3.1.5.6.2.1)
    Given on the server, message m1 is modified
    And the client modifies message m1 locally, later than the server change
    When the client uploads its local changes without FailOnConflict
    And the client runs a full synchronization of the folder
    Then on the server, message m1 is a conflict resolve message whose body is the client's version
    And a download from the empty state sends message m1 as 2 message changes whose PCLs do not include each other
    And message m1 in the replica is the client's version, linked to the server's version kept in a conflicts folder

  # [MS-OXCFXICS] 3.1.5.6.2.1 (R-174), 3.1.5.6.2.2 (R-243): FAI conflicts resolve by last writer wins
  # The client imports without FailOnConflict, so the server resolves the conflict (with it
  # the server must refuse the version, R-207, and the client resolves at the next download).
  @R-174 @R-243 @R-242
  Scenario: A conflict on an FAI message is resolved by last writer wins, without a conflict resolve message (MS-OXCFXICS 3.1.5.6.2.1)
    Given on the server, message f1 is modified
    And the client modifies message f1 locally, later than the server change
    When the client uploads its local changes without FailOnConflict
    Then on the server, message f1 is the client's version
    And on the server, message f1 has no attachments with PidTagInConflict

  # [MS-OXCFXICS] 3.1.5.6.2.2 (R-242): tie on last modification time → larger ChangeKey GUID wins
  @R-242 @R-245
  Scenario: Equal modification times are broken by the ChangeKey namespace GUID (MS-OXCFXICS 3.1.5.6.2.2)
    Given on the server, property PidTagResolveMethod of folder Sync is set to 1
    And on the server, message m2 is modified
    And the client modifies message m2 locally with the same last modification time as the server change
    When the client uploads its local changes without FailOnConflict
    Then on the server, message m2 is the version whose ChangeKey namespace GUID is larger, byte by byte

  # [MS-OXCFXICS] 3.2.5.9.4.3 (R-246), 3.1.5.6.2.2 (R-243): folder conflicts resolve by last writer wins
  @R-246 @R-243
  Scenario: A folder conflict is resolved, the import succeeds and the client downloads the result (MS-OXCFXICS 3.2.5.9.4.3)
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 0        |
      | A      | Sync   | 0        |
    And the client has synchronized the hierarchy of folder Sync
    And on the server, folder A is renamed to "server name"
    And the client renames folder A locally to "client name", later than the server change
    When the client uploads its local hierarchy changes
    And the client synchronizes the hierarchy of folder Sync with its saved state
    Then every ImportHierarchyChange succeeded
    And the download holds folder changes for A
    And the replica's folder A is named "client name"

  # [MS-OXCSYNC] 3.1.5.4 (R-338..R-340), [MS-OXCFXICS] 3.1.5.6 (R-248)
  @R-338 @R-339 @R-340 @R-248 @R-249 @client-duty
  Scenario: The client keeps the winner in place and links the loser through PidTagConflictItems (MS-OXCSYNC 3.1.5.4)
    Given the client modifies message m2 locally
    And on the server, message m2 is modified, later than the local change
    When the client runs a full synchronization of the folder
    Then message m2 in the replica is the server's version
    And the replica holds the local version of m2 in a conflicts folder
    And message m2 in the replica has PidTagConflictItems naming the local version
