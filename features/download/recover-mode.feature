# Spec: [MS-OXCFXICS] 3.2.5.8.1.1 (RecoverMode), 2.2.4.3.4 (errorInfo), 2.2.2.10, 3.3.5.10;
#       [MS-OXCSYNC] 3.1.5.3.3. Digest: server-rules.md group Q, R-274, R-320..R-322.
Feature: RecoverMode with an unreadable item

  Background:
    Given a folder with 3 messages
    And message m2 is unreadable on the server

  # [MS-OXCFXICS] 3.2.5.8.1.1 (R-187), 2.2.4.3.4 (R-188, R-189), 2.2.2.10 (R-190); [MS-OXCSYNC] 3.1.5.3.3
  @R-187 @R-188 @R-189 @R-190 @R-321 @R-320 @needs-fault-injection
  Scenario: With RecoverMode the server reports an errorInfo for the unreadable item and goes on (MS-OXCFXICS 2.2.4.3.4)
    Given the send options are Unicode, RecoverMode
    When the client synchronizes contents with an empty state
    Then the download holds an errorInfo for m2
    And the errorInfo's ExtendedErrorInfo has Version 0x0000 and the MessageGID of m2
    And the download holds message changes for m1, m3

  # [MS-OXCSYNC] 3.1.5.3.3 (R-322), [MS-OXCFXICS] 3.3.5.10 (R-191), 2.2.4.3.4 (R-274)
  @R-322 @R-191 @R-274 @R-273 @R-304 @needs-fault-injection @client-duty
  Scenario: The client moves the failing item to a local folder that is not synchronized (MS-OXCSYNC 3.1.5.3.3)
    Given the send options are Unicode, RecoverMode
    When the client synchronizes contents with an empty state
    Then the replica holds m2 in a local folder that is not synchronized
    And the replica holds m1, m3 in the synchronized folder
    And the final state's IdsetGiven does not hold m2

  # [MS-OXCSYNC] 3.1.5.3.3 (R-320): without RecoverMode one failing item fails the synchronization.
  # Both failure forms conform: TransferStatus Error (R-048) or a GetBuffer ROP that fails with a
  # non-zero ReturnValue (R-057 speaks of "a GetBuffer that fails"; Exchange answers that way).
  @R-320 @R-188 @needs-fault-injection
  Scenario: Without RecoverMode the unreadable item fails the download, and no errorInfo is sent (MS-OXCSYNC 3.1.5.3.3)
    Given the send options are Unicode
    When the client synchronizes contents with an empty state, allowing the download to fail
    Then the download fails with TransferStatus Error, or fails
    And the download holds no errorInfo
    And the client kept its previous state

  # [MS-OXCFXICS] 3.2.5.8.1.5 (R-057): later GetBuffer calls repeat the error
  @R-057 @R-048 @needs-fault-injection
  Scenario: After a failed GetBuffer later calls fail with the same error (MS-OXCFXICS 3.2.5.8.1.5)
    Given the send options are Unicode
    When the client synchronizes contents with an empty state, allowing the download to fail
    And the client calls GetBuffer again on the failed context
    Then the last ROP fails with the same code as the failed GetBuffer, or returns Done with an empty buffer
