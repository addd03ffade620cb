# Spec: [MS-OXCFXICS] 3.2.5.9.3.1, 3.3.5.6, 3.3.5.9.1, 3.2.5.3; [MS-OXCSYNC] 3.1.4, 3.1.5.3.9, 3.1.7.1.
# Digest: server-rules.md group R, R-316, R-317, R-334..R-336.
Feature: Checkpoints, cancellation and connection loss

  Background:
    Given a folder with 30 messages
    And the client reads the stream with BufferSize 256

  # [MS-OXCFXICS] 3.2.5.9.3.1 (R-195): initial state until the stream is complete (2010+), or a checkpoint (2007)
  @R-195 @R-152 @R-336
  Scenario: GetTransferState during a download returns the initial state or a consistent checkpoint (MS-OXCFXICS 3.2.5.9.3.1)
    Given the client has synchronized contents
    And on the server, 3 new messages are created
    When the client starts a contents synchronization with its saved state and reads one buffer
    And the client calls GetTransferState and reads the state it returns
    Then the returned state equals the initial state, or covers only the changes downloaded so far
    And the report records whether the target returns the initial state or a checkpoint

  # [MS-OXCFXICS] 3.2.5.9.3.1 (R-195, R-194): after completion the final state
  @R-195 @R-194 @R-335
  Scenario: GetTransferState after the download returns the final state (MS-OXCFXICS 3.2.5.9.3.1)
    When the client synchronizes contents with an empty state
    And the client calls GetTransferState on the finished context and reads the state it returns
    Then the returned state equals the final state of the download

  # [MS-OXCFXICS] 3.3.5.9.1 (R-199); [MS-OXCSYNC] 3.1.4 (R-316, R-317)
  @R-199 @R-316 @R-317 @client-duty
  Scenario: Cancelling a download with unprocessed data does not update the state (MS-OXCSYNC 3.1.4)
    Given the client has synchronized contents
    And on the server, 5 new messages are created
    When the client starts a contents synchronization with its saved state and cancels after the first buffer
    Then the client sent no RopSynchronizationGetTransferState
    And the client kept its previous state
    And the replica holds 30 messages

  # [MS-OXCSYNC] 3.1.7.1 (R-317): the next sync converges with no duplicate and no lost item
  @R-317 @R-198 @R-275 @client-duty
  Scenario: After a cancelled download the next synchronization converges (MS-OXCSYNC 3.1.4)
    Given the client has synchronized contents
    And on the server, 5 new messages are created
    When the client starts a contents synchronization with its saved state and cancels after the first buffer
    And the client synchronizes contents with its saved state
    Then the replica equals the server folder
    And the replica holds 35 messages

  # connection loss (fault injection): the client logs on again, and the same convergence
  @R-317 @R-199 @needs-fault-injection @client-duty
  Scenario: After a connection loss mid-download the next synchronization converges (MS-OXCSYNC 3.1.7.1)
    Given the client has synchronized contents
    And on the server, 5 new messages are created
    And the connection is lost after 600 bytes of the next download
    When the client synchronizes contents with its saved state, allowing the download to fail
    And the client synchronizes contents with its saved state
    Then the replica equals the server folder
    And no message was applied twice

  # [MS-OXCFXICS] 3.3.5.6 (R-198): client-side checkpoints let an aborted download resume.
  # The cancelled download is the client engine's, which applies each change as it arrives.
  @R-198 @R-133 @client-duty
  Scenario: A client-side checkpoint from Eid and CN lets the next download skip what was applied (MS-OXCFXICS 3.3.5.6)
    Given the extra flags are Eid, CN
    And the client checkpoints its state from the message headers every 10 messages
    When the client starts a contents synchronization with an empty state and cancels after 15 messages
    And the client synchronizes contents with its saved state
    Then the download holds at most 20 message changes
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.2.5.9.3.1 (R-194): changes after GetTransferState do not affect the returned context
  @R-194 @R-196
  Scenario: The state of an upload checkpoint does not change after it is taken (MS-OXCFXICS 3.2.5.9.3.1)
    Given the client has synchronized contents
    And the client modifies message m1 locally
    When the client opens a contents collector, uploads its state and imports its local changes
    And the client calls GetTransferState and keeps the returned context
    And the client imports one more local change on the collector
    And the client reads the state from the kept context
    Then the state read does not cover the last imported change
