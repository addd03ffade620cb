# Spec: [MS-OXCFXICS] 3.2.5.3 (difference computation), 3.1.5.2, 3.1.5.3, 3.2.5.1;
#       [MS-OXCSYNC] 3.1.5.3.2. Digest: server-rules.md group L, R-253, R-319.
Feature: Incremental contents synchronization
  With a saved state the server sends only what changed since that state, each change once, and a
  final state that combines the initial state with what was downloaded.

  Background:
    Given a folder with 3 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.2.5.3 (R-141, R-149)
  @R-141 @R-149 @R-154 @R-253
  Scenario: Only the modified message is sent (MS-OXCFXICS 3.2.5.3)
    Given on the server, message m2 is modified
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m2
    And the final state's CnsetSeen covers the change numbers of m1, m2, m3
    And the replica equals the server folder

  # [MS-OXCFXICS] 3.2.5.3 (R-141, R-144)
  @R-141 @R-144 @R-145
  Scenario: New messages are sent and added to IdsetGiven (MS-OXCFXICS 3.2.5.3)
    Given on the server, 2 new messages are created
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m4, m5
    And the final state's IdsetGiven holds m1, m2, m3, m4, m5
    And the replica holds 5 messages

  # [MS-OXCFXICS] 3.1.5.3 (R-253): a new CN on every modification; (R-149) a seen CN is never re-sent
  @R-149 @R-253 @R-252
  Scenario: A message modified twice is sent once with its latest change number (MS-OXCFXICS 3.1.5.3)
    Given on the server, message m1 is modified
    And on the server, message m1 is modified
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m1
    And the change number of m1 in the download is greater than the one the client had

  # [MS-OXCFXICS] 3.2.5.3 (R-150, R-148) invariants on a mixed download
  @R-143 @R-144 @R-145 @R-146 @R-147 @R-148 @R-149 @R-150 @R-151
  Scenario: A mixed incremental download satisfies the difference invariants (MS-OXCFXICS 3.2.5.3)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, NoForeignIdentifiers
    And on the server, message m1 is modified
    And on the server, message m2 is hard deleted
    And on the server, message m3 is marked as read
    And on the server, 1 new message is created
    When the client synchronizes contents with its saved state
    Then the final state satisfies the invariants of MS-OXCFXICS 3.2.5.3
    And the replica equals the server folder

  # [MS-OXCSYNC] 3.1.5.3.2 (R-319): a full item replaces all local properties
  @R-319 @R-204 @client-duty
  Scenario: A full item change replaces all properties, so a property removed on the server disappears (MS-OXCSYNC 3.1.5.3.2)
    Given the send options are Unicode
    And on the server, property PidTagBody of message m1 is deleted
    When the client synchronizes contents with its saved state
    Then the download holds a full change for m1
    And message m1 in the replica has no property PidTagBody
    And the replica's message m1 equals the server's

  # [MS-OXCFXICS] 3.2.5.1, 3.1.5.1 (R-153): no transactional isolation; changes made during the download
  @R-153 @needs-fault-injection
  Scenario: A change made during the download does not enter the final state unless it was downloaded (MS-OXCFXICS 3.2.5.1)
    Given the server modifies message m3 after the first GetBuffer of the next download
    And the client reads the stream with BufferSize 64
    When the client synchronizes contents with its saved state
    Then the final state satisfies the invariants of MS-OXCFXICS 3.2.5.3
    And the next synchronization with the saved state brings m3 unless it was already in this download
