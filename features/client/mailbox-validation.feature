# Spec: [MS-OXCFXICS] 3.3.5.4; [MS-OXCSYNC] 3.1.3.1.1.2. Digest: R-270..R-272, R-313, R-314.
Feature: A replica never synchronizes with another mailbox

  Background:
    Given a folder with 2 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.3.5.4 (R-271); [MS-OXCSYNC] 3.1.3.1.1.2 (R-314)
  @R-271 @R-314 @client-duty
  Scenario: The replica records the mailbox instance GUID returned by RopLogon (MS-OXCSYNC 3.1.3.1.1.2)
    Then the replica records the mailbox GUID returned by RopLogon

  # [MS-OXCFXICS] 3.3.5.4 (R-270, R-272); [MS-OXCSYNC] 3.1.3.1.1.2 (R-313)
  @R-270 @R-271 @R-272 @R-313 @R-314 @needs-second-mailbox @client-duty
  Scenario: After a logon to a mailbox with another GUID the client refuses to synchronize (MS-OXCFXICS 3.3.5.4)
    Given the target presents another mailbox under the same name
    When the client synchronizes contents with its saved state, allowing it to be refused
    Then the client refused to synchronize because the mailbox GUID differs
    And the client sent no RopSynchronizationConfigure, RopSynchronizationOpenCollector in the last synchronization
    And the replica is unchanged

  # [MS-OXCFXICS] 3.3.5.4 (R-272): synchronization resumes when the original mailbox returns
  @R-272 @needs-second-mailbox @client-duty
  Scenario: When the original mailbox returns the client synchronizes again (MS-OXCFXICS 3.3.5.4)
    Given the target presents another mailbox under the same name
    And the client synchronizes contents with its saved state, allowing it to be refused
    And the target presents the original mailbox again
    And on the server, message m1 is modified
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m1
