# Spec: [MS-OXCFXICS] 3.2.5.3, 3.2.5.9.1.1 (IgnoreNoLongerInScope, NoDeletions), 2.2.4.3.3, 2.2.3.2.1.1.1
#       (RestrictionData). Digest: R-072, R-084, R-085, R-134, R-156, R-158.
Feature: Messages leaving a restricted scope (NoLongerInScope)

  Background:
    Given a folder with 3 messages with PidTagImportance 2
    And the synchronization uses a restriction PidTagImportance equals 2
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.2.5.3 (R-156), 2.2.4.3.3 (R-158)
  @R-156 @R-085 @R-158 @R-072
  Scenario: A message that no longer matches the restriction is reported in MetaTagIdsetNoLongerInScope (MS-OXCFXICS 3.2.5.3)
    Given on the server, property PidTagImportance of message m2 is set to 0
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m2 in MetaTagIdsetNoLongerInScope
    And the final state's IdsetGiven holds m1, m3
    And the replica holds 2 messages

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-085), 2.2.4.3.3 (R-158)
  @R-085 @R-158 @R-081
  Scenario: IgnoreNoLongerInScope suppresses MetaTagIdsetNoLongerInScope (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, IgnoreNoLongerInScope
    And on the server, property PidTagImportance of message m2 is set to 0
    When the client synchronizes contents with its saved state
    Then the download holds no deletion in MetaTagIdsetNoLongerInScope
    And the download holds no change for m2

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-084): NoDeletions implies IgnoreNoLongerInScope
  @R-084 @R-083
  Scenario: NoDeletions behaves as if IgnoreNoLongerInScope were set (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, NoDeletions
    And on the server, property PidTagImportance of message m2 is set to 0
    When the client synchronizes contents with its saved state
    Then the download holds no deletions element

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-156): IgnoreNoLongerInScope still reports real deletions
  @R-085 @R-155
  Scenario: IgnoreNoLongerInScope still reports hard deletions (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, IgnoreNoLongerInScope
    And on the server, message m3 is hard deleted
    When the client synchronizes contents with its saved state
    Then the download holds a deletion of m3 in MetaTagIdsetDeleted

  # [MS-OXCFXICS] 3.3.5.5 (R-134, R-268): a state belongs to exactly one scope, restriction included
  @R-134 @R-267 @R-268 @client-duty
  Scenario: The client keeps a separate state for a scope with another restriction (MS-OXCFXICS 3.3.5.5)
    Given the synchronization uses a restriction PidTagImportance equals 0
    When the client synchronizes contents with its saved state
    Then the client uploaded an empty state
    And the client keeps 2 saved contents states for the folder
