# Spec: [MS-OXCFXICS] 2.2.3.1.1.5, 3.2.5.8.1.5, 3.3.5.7.1, 3.3.5.9.1; [MS-OXCROPS] 2.2.12.4.
# Digest: server-rules.md group D, group Y rows "GetBuffer ...".
Feature: RopFastTransferSourceGetBuffer buffer sizes and transfer status

  Background:
    Given a folder with 20 messages

  # [MS-OXCFXICS] 3.2.5.8.1.5 (R-052, R-058), group Y row "BufferSize small (e.g. 10)"
  @R-052 @R-053 @R-058 @R-048
  Scenario Outline: With BufferSize <size> no TransferBuffer exceeds <size> bytes (MS-OXCFXICS 3.2.5.8.1.5)
    Given the client reads the stream with BufferSize <size>
    When the client synchronizes contents with an empty state
    Then every TransferBuffer holds at most <size> bytes
    And every GetBuffer response but the last has TransferStatus Partial
    And the last GetBuffer response has TransferStatus Done
    And the download holds 20 message changes

    Examples:
      | size  |
      | 10    |
      | 100   |
      | 15480 |

  # [MS-OXCFXICS] 3.2.5.8.1.5 (R-051), 2.2.3.1.1.5.1 (R-050)
  @R-049 @R-050 @R-051
  Scenario: With BufferSize 0xBABE the server limits each buffer to MaximumBufferSize (MS-OXCFXICS 3.2.5.8.1.5)
    Given the client reads the stream with BufferSize 0xBABE and MaximumBufferSize 512
    When the client synchronizes contents with an empty state
    Then every TransferBuffer holds at most 512 bytes
    And every GetBuffer request with BufferSize 0xBABE carried a MaximumBufferSize

  # [MS-OXCFXICS] 3.2.5.8.1.5; the split points are legal (R-053); the stream is the same whatever the size.
  # 16 bytes hold the largest fixed-size atom (a PtypGuid value); below that a server cannot make
  # progress without splitting an atom (R-982), and may refuse (clients MUST ask for >= 15480, R-049).
  @R-053 @R-061
  Scenario: The stream reassembled from small buffers equals the stream read at once (MS-OXCFXICS 2.2.4.1)
    Given the client reads the stream with BufferSize 0xBABE and MaximumBufferSize 32767
    When the client synchronizes contents with an empty state
    And the client reads the stream with BufferSize 16
    And the client synchronizes contents with an empty state
    Then the download is identical to the previous download

  # [MS-OXCFXICS] 2.2.3.1.1.5.2 (R-059, R-060, R-054)
  @R-059 @R-060 @R-054
  Scenario: GetBuffer responses have Reserved 0 and no BackoffTime on success (MS-OXCFXICS 2.2.3.1.1.5.2)
    When the client synchronizes contents with an empty state
    Then every GetBuffer response has Reserved 0x00
    And no successful GetBuffer response carries a BackoffTime
    And the InProgressCount of the GetBuffer responses never exceeds their TotalStepCount, or a warning is recorded

  # [MS-OXCFXICS] 3.2.5.8.1.5 (R-052); [MS-OXCROPS] 3.2.4.3 (R-009); group Y: RopBufferTooSmall or
  # 0x0000047D. The output buffer is the connection's (in process: the server's output limit for
  # the client's calls; MAPI/HTTP: MaxRopOut of each Execute). 15480 fits a server's usual 32 KB
  # output buffer, so only the 4096 bytes asked for can make it too large.
  @R-052 @R-009
  Scenario Outline: A BufferSize of <size> with an output buffer of 4096 bytes is answered with RopBufferTooSmall (MS-OXCFXICS 3.2.5.8.1.5)
    Given the client reads the stream with BufferSize <size> and an output buffer of 4096 bytes
    When the client synchronizes contents with an empty state, allowing the download to fail
    Then the first GetBuffer was answered with RopBufferTooSmall, or failed with 0x0000047D

    Examples:
      | size   |
      | 15480  |
      | 0xBABD |

  # [MS-OXCFXICS] 3.3.5.7.1 (R-048): the client stops at Done; group Y row "GetBuffer after Done"
  @R-048 @R-057 @R-303
  Scenario: GetBuffer after Done is answered with an error or an empty Done (MS-OXCFXICS 3.3.5.7.1)
    When the client synchronizes contents with an empty state
    And the client calls GetBuffer again on the finished context
    Then the last ROP fails, or returns Done with an empty buffer

  # [MS-OXCFXICS] 3.3.5.7.1 (R-048, R-049): what the reference client sends
  @R-048 @R-049 @R-018 @R-303 @client-duty
  Scenario: The client reads with 0xBABE and stops at Done (MS-OXCFXICS 3.3.5.7.1)
    When the client synchronizes contents with an empty state
    Then every GetBuffer request of the client used BufferSize 0xBABE
    And the client sent no RopFastTransferSourceGetBuffer after the response with TransferStatus Done

  # group Y row "GetBuffer before state upload" (R-080, R-137)
  @R-080 @R-137 @R-302
  Scenario: GetBuffer before the state upload fails or treats the state as empty (MS-OXCFXICS 3.3.5.8.1)
    When the client reads the stream before uploading a state
    Then the last ROP fails, or the download holds 20 message changes
