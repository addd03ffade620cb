# Spec: [MS-OXCFXICS] 3.1.5.2, 3.3.4.3.1 (empty-state bootstrap), 3.2.5.3 (final state);
#       [MS-OXCSYNC] 3.1.3.2.2, 1.3.2. Digest: server-rules.md groups K, J, L, Z.
Feature: Empty-state bootstrap of a contents synchronization
  A first synchronization of a scope uploads zero-length state properties; the server then sends
  every message of the folder and a final state that covers them. Syncing again with that state
  brings nothing. A client that uploads no state at all gets the same download.

  Background:
    Given a folder with 3 messages and 2 FAI messages

  # [MS-OXCFXICS] 3.1.5.2, 3.3.4.3.1; [MS-OXCSYNC] 3.1.3.2.2
  @R-136 @R-138 @R-300 @R-301 @R-126 @R-121 @client-duty
  Scenario: The client bootstraps with four zero-length state properties (MS-OXCFXICS 3.3.4.3.1)
    When the client synchronizes contents with an empty state
    Then the client uploaded the state properties MetaTagIdsetGiven, MetaTagCnsetSeen, MetaTagCnsetSeenFAI, MetaTagCnsetRead as zero-length values
    And the ROP trace holds, in order:
      | RopSynchronizationConfigure             |
      | RopSynchronizationUploadStateStreamBegin |
      | RopSynchronizationUploadStateStreamEnd   |
      | RopFastTransferSourceGetBuffer           |
      | RopRelease                               |

  # [MS-OXCFXICS] 3.2.5.3, 3.1.5.2
  @R-136 @R-140 @R-141 @R-142 @R-131 @R-144 @R-145 @R-151 @R-154 @R-300 @R-336
  Scenario: An empty state brings every message and a final state that covers them (MS-OXCFXICS 3.2.5.3)
    When the client synchronizes contents with an empty state
    Then the download holds 3 message changes
    And the download holds 2 FAI message changes
    And the download holds no deletions element
    And the download ends with a state element
    And the final state's IdsetGiven holds m1, m2, m3, f1, f2
    And the final state's CnsetSeen covers the change numbers of m1, m2, m3
    And the final state's CnsetSeenFAI covers the change numbers of f1, f2
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.2.5.3 (R-149), 3.3.5.5; [MS-OXCSYNC] 3.1.5.3.9
  @R-149 @R-154 @R-337 @R-275 @R-133
  Scenario: Syncing again with the final state brings nothing (MS-OXCFXICS 3.2.5.3)
    Given the client has synchronized contents
    When the client synchronizes contents with its saved state
    Then the download holds no changes
    And the final state equals the previous final state
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.1.5.2: "If the client does not send state ... the server assumes zero-length state"
  @R-137
  Scenario: Omitting the state upload behaves like an empty state (MS-OXCFXICS 3.1.5.2)
    When the client synchronizes contents with an empty state
    And the client synchronizes contents with no state upload
    Then the download is identical to the previous download

  # [MS-OXCFXICS] 3.2.5.3 (R-145, R-153): the final state reflects what was downloaded
  @R-153 @R-145 @R-151
  Scenario: The final state covers exactly what was downloaded (MS-OXCFXICS 3.2.5.1, 3.2.5.3)
    When the client synchronizes contents with an empty state
    Then the final state satisfies the invariants of MS-OXCFXICS 3.2.5.3

  # [MS-OXCFXICS] 3.1.5.5, 3.2.5.2 (R-135): CNSETs may be collapsed, IdsetGiven never
  @R-135
  Scenario: IdsetGiven is never extended beyond the given IDs (MS-OXCFXICS 3.1.5.5)
    Given on the server, message m2 is hard deleted
    When the client synchronizes contents with an empty state
    Then the final state's IdsetGiven holds exactly m1, m3, f1, f2

  # [MS-OXCFXICS] 3.2.5.3, an empty folder
  @R-131 @R-136
  Scenario: Bootstrapping an empty folder brings only a state (MS-OXCFXICS 3.2.5.3)
    Given an empty folder
    When the client synchronizes contents with an empty state
    Then the download holds no changes
    And the download ends with a state element
    And the replica holds 0 messages
