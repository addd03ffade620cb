# Spec: [MS-OXCFXICS] 2.2.3.1.1.3, 3.2.5.8.1.3, 2.2.4.3.16, 2.2.4.3.17, 3.3.4.1.
# Digest: server-rules.md group C (R-034, R-037, R-039, R-040, R-117), R-020, R-048.
Feature: FastTransfer download with RopFastTransferSourceCopyMessages

  Background:
    Given a folder with 3 messages

  # [MS-OXCFXICS] 3.2.5.8.1.3 (R-040), 2.2.4.3.16 (R-117)
  @R-040 @R-117 @R-039 @R-020
  Scenario: With SendEntryId every copied message carries its identification properties (MS-OXCFXICS 3.2.5.8.1.3)
    When the client copies messages m1, m3 with CopyFlags SendEntryId
    Then the stream is a messageList of 2 messages
    And every copied message holds PidTagMid, PidTagOriginalEntryId, PidTagSourceKey, PidTagChangeKey, PidTagLastModificationTime, PidTagPredecessorChangeList

  # [MS-OXCFXICS] 3.2.5.8.1.3 (R-040): without SendEntryId they are removed
  @R-040
  Scenario: Without SendEntryId the copied messages carry no identification properties (MS-OXCFXICS 3.2.5.8.1.3)
    When the client copies messages m1 with CopyFlags none
    Then no copied message holds PidTagOriginalEntryId, PidTagSourceKey, PidTagChangeKey

  # [MS-OXCFXICS] 2.2.3.1.1.3.1 (R-034): Unused1/Unused2 are ignored
  @R-034
  Scenario Outline: CopyFlags bit <bit> is ignored by CopyMessages (MS-OXCFXICS 2.2.3.1.1.3.1)
    When the client copies messages m1, m2 with CopyFlags SendEntryId
    And the client copies messages m1, m2 with CopyFlags SendEntryId, <bit>
    Then the copy stream is identical to the previous one

    Examples:
      | bit  |
      | 0x02 |
      | 0x04 |

  # [MS-OXCFXICS] 3.2.5.8.1.3 (R-037); group Y row "SendOptions bit 0x80 on ... CopyX"
  @R-037
  Scenario: The unknown SendOptions bit 0x80 fails CopyMessages (MS-OXCFXICS 3.2.5.8.1.3)
    When the client copies messages m1 with CopyFlags SendEntryId and SendOptions Unicode, 0x80
    Then the last ROP fails with 0x80070057, or succeeds with a SHOULD-level warning

  # [MS-OXCFXICS] 3.2.5.8.1.5 (R-052) on a FastTransfer context
  @R-052 @R-048
  Scenario: A copy stream read with BufferSize 50 is split into buffers of at most 50 bytes (MS-OXCFXICS 3.2.5.8.1.5)
    Given the client reads the stream with BufferSize 50
    When the client copies messages m1, m2, m3 with CopyFlags SendEntryId
    Then every TransferBuffer holds at most 50 bytes
    And the stream is a messageList of 3 messages
