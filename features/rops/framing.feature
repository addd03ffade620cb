# Spec: [MS-OXCROPS] 2.2.1, 2.2.2, 3.2.4.3, 3.2.5.1, 3.2.5.2, 3.2.5.3, 3.2.5.4, 2.2.15.1.
# Digest: server-rules.md group A (R-001, R-003 .. R-011), group Y rows "Invalid InputHandleIndex"
# and "RopRelease of a context then reuse". Raw request buffers on the client's connection.
Feature: ROP framing and handle processing

  Background:
    Given a folder with 1 message

  # [MS-OXCROPS] 3.2.5.1, 3.2.5.2 (R-001): later ROPs use the objects of earlier ones
  @R-001
  Scenario: The ROPs of one request buffer run in order and are answered in order (MS-OXCROPS 3.2.5.1)
    When the client sends one request buffer that opens folder Sync, creates message m2 in it, sets its PidTagSubject to "chained" and saves it
    Then every ROP of the request buffer was answered in request order and succeeded
    And the server folder Sync holds m1, m2

  # [MS-OXCROPS] 3.2.5.1 (R-003), 2.2.1
  @R-003
  Scenario Outline: A request buffer <defect> fails the whole RPC with ecRpcFormat (MS-OXCROPS 3.2.5.1)
    When the client sends a request buffer <defect>
    Then the whole RPC fails with 0x000004B6

    Examples:
      | defect                                              |
      | whose RopSize exceeds its length                    |
      | whose last ROP is cut short                         |
      | whose handle table is not a whole number of handles |

  # [MS-OXCROPS] 3.2.5.1 (R-004, SHOULD <23>); group Y row "Invalid InputHandleIndex"
  @R-004
  Scenario Outline: An InputHandleIndex <index> fails the ROP with ecNullObject (MS-OXCROPS 3.2.5.1)
    When the client sends RopOpenFolder of folder Sync with an InputHandleIndex <index>
    Then the last ROP fails with 0x000004B9, or fails with one of 0x80040108, 0x80070005, or another non-zero code with a warning, or succeeds with a SHOULD-level warning

    Examples:
      | index                                    |
      | beyond the handle table                  |
      | whose handle table entry is 0xFFFFFFFF   |

  # [MS-OXCROPS] 3.2.5.4 (R-008); group Y row "RopRelease of a context then reuse"
  @R-008
  Scenario Outline: Using <object> after RopRelease fails with ecInvalidObject (MS-OXCROPS 3.2.5.4)
    When the client releases <object> and then uses its handle
    Then the last ROP fails with one of 0x80040108, 0x000004B9

    Examples:
      | object             |
      | a folder handle    |
      | a download context |

  # [MS-OXCROPS] 3.2.5.4 (R-008), 3.2.5.1 (R-004)
  @R-008 @R-004
  Scenario: A handle value the server never assigned fails with ecNullObject (MS-OXCROPS 3.2.5.4)
    When the client uses a handle value the server never assigned
    Then the last ROP fails with 0x000004B9, or another non-zero code with a warning

  # [MS-OXCROPS] 3.2.5.3 (R-007): no response; the buffer goes on
  @R-007
  Scenario: RopRelease gets no response and the next ROP of the buffer still runs (MS-OXCROPS 3.2.5.3)
    When the client sends RopRelease of its folder handle followed by RopOpenFolder of folder Sync in one request buffer
    Then the response buffer holds no response for RopRelease
    And the last ROP succeeds

  # [MS-OXCROPS] 3.2.5.3 (R-007): errors of RopRelease are ignored
  @R-007
  Scenario: RopRelease of a never-assigned handle gets no response and the next ROP still runs (MS-OXCROPS 3.2.5.3)
    When the client sends RopRelease of a never-assigned handle followed by RopOpenFolder of folder Sync in one request buffer
    Then the response buffer holds no response for RopRelease
    And the last ROP succeeds

  # [MS-OXCROPS] 3.2.5.2 (R-006), 3.2.5.1 (R-005)
  @R-006 @R-005
  Scenario: The returned handle table keeps the order of the entries and places new handles at the output indexes (MS-OXCROPS 3.2.5.2)
    When the client opens folder Sync through a handle table with input-only and unreferenced entries around the output entries
    Then the returned handle table keeps every input entry in its place and holds usable new handles at the output indexes

  # [MS-OXCROPS] 3.2.5.1 (R-005)
  @R-005
  Scenario: No object gets the handle 0xFFFFFFFF (MS-OXCROPS 3.2.5.1)
    When the client opens folder Sync 40 times in one request buffer
    Then every returned handle is distinct and none is 0xFFFFFFFF

  # [MS-OXCROPS] 3.2.4.3, 2.2.15.1 (R-009)
  @R-009
  Scenario: Responses that do not fit end with RopBufferTooSmall and the unprocessed requests (MS-OXCROPS 3.2.4.3)
    When the client sends 40 RopGetPropertiesSpecific of PidTagDisplayName on folder Sync in one request buffer with an output buffer of 600 bytes
    Then the responses end with RopBufferTooSmall whose RequestBuffers hold exactly the unprocessed requests

  # [MS-OXCROPS] 3.2.4.3 and Appendix <22> (R-010, SHOULD): the RPC fails with 0x0000047D; Exchange 2007 fails the
  # ROP with 0x0000047D; Exchange 2010 SP2 RU3+ answers ecBufferTooSmall for the first-and-only ROP
  @R-010
  Scenario: A single response that cannot fit the output buffer fails with ecBufferTooSmall (MS-OXCROPS 3.2.4.3)
    When the client sends 1 RopGetPropertiesSpecific of PidTagDisplayName on folder Sync in one request buffer with an output buffer of 16 bytes
    Then the last ROP fails with 0x0000047D, or the RPC fails with 0x0000047D, or was answered with RopBufferTooSmall

  # [MS-OXCROPS] 2.2.2 (R-011, SHOULD <3>)
  @R-011
  Scenario: A reserved RopId fails the RPC (MS-OXCROPS 2.2.2)
    When the client sends a request buffer with the reserved RopId 0x00
    Then the whole RPC fails, or a SHOULD-level warning is recorded
