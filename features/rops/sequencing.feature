# Spec: [MS-OXCFXICS] 2.2.3, 2.2.3.1.1.1.2, 2.2.3.2.3.1.2, 3.1.5, 3.2.5.9.2, 3.2.5.9.3; [MS-OXCROPS] 3.2.5.1.
# Digest: server-rules.md group B (R-016, R-017). Raw request buffers on the client's connection.
Feature: Operation sequencing: which ROPs a context takes

  Background:
    Given a folder with 1 message

  # [MS-OXCFXICS] 2.2.3 (R-016): RopSynchronization* ROPs belong to ICS operations only
  @R-016
  Scenario Outline: <rop> on a FastTransfer <kind> context fails (MS-OXCFXICS 2.2.3)
    When the client sends <rop> on a FastTransfer <kind> context
    Then the last ROP fails

    Examples:
      | rop                                      | kind     |
      | RopSynchronizationUploadStateStreamBegin | download |
      | RopSynchronizationImportDeletes          | download |
      | RopSynchronizationUploadStateStreamBegin | upload   |
      | RopSynchronizationImportDeletes          | upload   |

  # [MS-OXCFXICS] 2.2.3 (R-016), 2.2.3.2.3.1.2 (R-017): no OutputServerObject on failure
  @R-016 @R-017
  Scenario Outline: RopSynchronizationGetTransferState on a FastTransfer <kind> context fails and returns no object (MS-OXCFXICS 2.2.3.2.3.1.2)
    When the client sends RopSynchronizationGetTransferState on a FastTransfer <kind> context
    Then the last ROP fails
    And no object was returned by the failed ROP

    Examples:
      | kind     |
      | download |
      | upload   |
