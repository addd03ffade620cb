# Spec: [MS-OXCFXICS] 3.3.5.3; [MS-OXCSYNC] 3.1.3.1.1.1. Digest: R-269, R-312.
Feature: Back-in-time detection

  Background:
    Given a folder with 2 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.3.5.3 (R-269); [MS-OXCSYNC] 3.1.3.1.1.1 (R-312)
  @R-269 @R-312 @needs-server-rollback @client-duty
  Scenario: A server restored from an older backup is detected and the replica is abandoned (MS-OXCFXICS 3.3.5.3)
    Given the client has uploaded its local changes
    And the server is rolled back to its state before the client's last synchronization
    And the client creates 1 message locally
    When the client synchronizes contents with its saved state, allowing it to be refused
    Then the client abandoned the replica because the server went back in time
    And the client sent no RopSynchronizationImportMessageChange after the server was rolled back

  # [MS-OXCSYNC] 3.1.3.1.1.1 (R-312): a replica restored from a backup. Keeping the copy
  # turns on the counter check that starts each session of the client.
  @R-312 @R-269 @client-duty
  Scenario: A replica restored from an older copy is detected and abandoned (MS-OXCSYNC 3.1.3.1.1.1)
    Given the client keeps a copy of its replica
    And the client creates 1 message locally
    And the client has uploaded its local changes
    And the client restores the copy of its replica
    When the client synchronizes contents with its saved state, allowing it to be refused
    Then the client abandoned the replica because it went back in time
    And no reserved ID was used twice
