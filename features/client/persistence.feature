# Spec: [MS-OXCFXICS] 3.3.4.3.1, 3.3.5.5, 3.1.5.2; [MS-OXCSYNC] 3.1.1.2, 3.1.5.3.9, 1.3.5, 3.
# Digest: R-119, R-133, R-134, R-267, R-268, R-275, R-297, R-337.
Feature: The client persists one ICS state per scope

  Background:
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 2        |
      | Other  | root   | 3        |

  # [MS-OXCFXICS] 3.3.4.3.1 (R-275); [MS-OXCSYNC] 3.1.5.3.9 (R-337); 3 (R-297)
  @R-275 @R-337 @R-297 @R-119 @client-duty
  Scenario: The state survives a restart of the client (MS-OXCSYNC 3.1.5.3.9)
    Given the client has synchronized contents of folder Sync
    And the client is restarted from its database
    When the client synchronizes contents of folder Sync with its saved state
    Then the client uploaded a non-empty MetaTagCnsetSeen
    And the download holds no changes

  # [MS-OXCFXICS] 3.3.5.5 (R-267, R-268, R-134): the client keeps a state per folder,
  # synchronization type and restriction; the saved states are counted in the replica
  @R-267 @R-268 @R-134 @client-duty
  Scenario: Each folder and synchronization type has its own state (MS-OXCFXICS 3.3.5.5)
    Given the client has synchronized contents of folder Sync
    When the client synchronizes the hierarchy of folder Sync with its saved state
    And the client synchronizes contents of folder Other with its saved state
    Then the download holds 3 message changes
    And the client uploaded an empty state for the hierarchy of folder Sync
    And the client keeps 3 saved states

  # [MS-OXCSYNC] 3.1.5.3.9 (R-336, R-337): state written together with the download (issue 6: one transaction)
  # The crash: the replica's fault hook stops the download between two writes once half of
  # its changes are applied.
  @R-337 @R-275 @R-316 @client-duty
  Scenario: A client crash while applying a download leaves the old replica with the old state (MS-OXCSYNC 3.1.5.3.9)
    Given the client has synchronized contents of folder Sync
    And on the server, 2 new messages are created in folder Sync
    And the client crashes after applying half of the next download
    When the client is restarted from its database
    And the client synchronizes contents of folder Sync with its saved state
    Then the replica equals the server folder Sync
    And no message was applied twice
