# Spec: [MS-OXCFXICS] 2.2.3.1.1.5.2, 3.2.5.8.1.5, 3.3.5.9.1; [MS-OXCROPS] 2.2.12.4.2;
#       [MS-OXCSYNC] 3.1.5.3.7. Digest: server-rules.md R-054..R-057, R-329, R-330 and Note D-1.
Feature: ecServerBusy back-off during GetBuffer
  The server may answer GetBuffer with the busy code 0x00000480 and a BackoffTime in milliseconds.
  The client waits at least that long before re-issuing the same GetBuffer, and then completes. The
  report gives the code seen, the BackoffTime and the wait actually taken.

  Background:
    Given a folder with 5 messages

  # [MS-OXCFXICS] 3.3.5.9.1 (R-056); [MS-OXCSYNC] 3.1.5.3.7 (R-329, R-330); [MS-OXCROPS] 2.2.12.4.2 (R-054)
  @R-054 @R-056 @R-329 @R-330 @R-055 @needs-fault-injection
  Scenario: The client waits at least BackoffTime before retrying and then completes (MS-OXCFXICS 3.3.5.9.1)
    Given the server answers the next 2 GetBuffer calls with ecServerBusy and a BackoffTime of 200 ms
    When the client synchronizes contents with an empty state
    Then the busy GetBuffer responses carried the code 0x00000480, a BackoffTime and no TransferBuffer
    And the client waited at least 200 ms before each retry
    And the client retried the same GetBuffer 2 times
    And the download holds 5 message changes
    And the replica equals the server folder
    And the report records the busy code, the BackoffTime and the wait actually taken

  # Note D-1: a busy reply is not a terminal Error (R-048, R-057); the state is still complete
  @R-048 @R-057 @R-131 @needs-fault-injection
  Scenario: A busy reply in the middle of the stream does not break the download (MS-OXCFXICS 3.3.5.9.1)
    Given the client reads the stream with BufferSize 64
    And the server answers GetBuffer call 3 with ecServerBusy and a BackoffTime of 50 ms
    When the client synchronizes contents with an empty state
    Then the download ends with a state element
    And the final state satisfies the invariants of MS-OXCFXICS 3.2.5.3

  # bounded retries (issue 6): the client gives up after its retry limit and keeps its state
  @R-056 @R-317 @needs-fault-injection @client-duty
  Scenario: The client gives up after its retry limit without updating its state (MS-OXCSYNC 3.1.5.3.7)
    Given the client has synchronized contents
    And on the server, message m1 is modified
    And the client retries a busy GetBuffer at most 3 times
    And the server answers the next 10 GetBuffer calls with ecServerBusy and a BackoffTime of 10 ms
    When the client synchronizes contents with its saved state, allowing the download to fail
    Then the client stopped after 4 busy GetBuffer responses
    And the client kept its previous state
