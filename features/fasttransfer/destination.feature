# Spec: [MS-OXCFXICS] 2.2.3.1.2.1, 2.2.3.1.2.2, 3.2.5.8.2.1, 3.2.5.8.2.2, 3.3.4.2, 2.2.3.1.1.1, 2.2.3.1.1.3;
# [MS-OXCROPS] 2.2.12.1, 2.2.12.2.
# Digest: server-rules.md group E (R-062 .. R-065, R-067), R-017, R-021, group Y (R-064: fail on 2010+ or ignore).
Feature: FastTransfer upload with RopFastTransferDestinationConfigure and RopFastTransferDestinationPutBuffer

  Background:
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 2        |
      | B      | root   | 0        |

  # [MS-OXCFXICS] 2.2.3.1.2.1.1, 3.2.5.8.2.1 (R-062): the four SourceOperations the server supports here
  @R-062
  Scenario Outline: DestinationConfigure with SourceOperation <op> on <target> succeeds (MS-OXCFXICS 2.2.3.1.2.1.1)
    When the client configures a FastTransfer upload on <target> with SourceOperation <op>
    Then the last ROP succeeds

    Examples:
      | target                       | op   |
      | a new message of folder Sync | 0x01 |
      | a new message of folder Sync | 0x02 |
      | folder Sync                  | 0x03 |

  # [MS-OXCFXICS] 2.2.3.1.2.1.1, 3.2.5.8.2.1 (R-062): CopyTo/CopyProperties (folderContent) and CopyFolder (topFolder)
  @R-062
  Scenario Outline: DestinationConfigure with SourceOperation <op> on a folder succeeds (MS-OXCFXICS 2.2.3.1.2.1.1)
    When the client configures a FastTransfer upload on folder Sync with SourceOperation <op>
    Then the last ROP succeeds

    Examples:
      | op   |
      | 0x01 |
      | 0x02 |
      | 0x04 |

  # [MS-OXCFXICS] 3.2.5.8.2.1 (R-062): MUST stop; 2.2.3.1.2.1.2 (R-017): no OutputServerObject on failure
  @R-062 @R-017
  Scenario Outline: An unknown SourceOperation <op> fails DestinationConfigure (MS-OXCFXICS 3.2.5.8.2.1)
    When the client configures a FastTransfer upload on a new message of folder Sync with SourceOperation <op>
    Then the last ROP fails
    And no object was returned by the failed ROP

    Examples:
      | op   |
      | 0x00 |
      | 0x05 |
      | 0xFF |

  # [MS-OXCFXICS] 3.2.5.8.2.1 (R-064, SHOULD <39> / MAY <40>); group Y: fail (2010+) or ignore (2003/2007)
  @R-064
  Scenario Outline: Unknown CopyFlags <flags> fail DestinationConfigure or are ignored (MS-OXCFXICS 3.2.5.8.2.1)
    When the client uploads the CopyTo stream of m1 into a new message of folder B with SourceOperation CopyTo and CopyFlags <flags>, allowing it to fail
    Then the destination configure failed, or the server folder B holds a copy of m1 with the same PidTagSubject, PidTagBody; the report records which

    Examples:
      | flags |
      | 0x02  |
      | 0x80  |

  # [MS-OXCFXICS] 3.2.5.8.2.1 (R-065): nothing is persisted before RopSaveChangesMessage
  @R-065
  Scenario: A message uploaded with CopyTo exists only once it is saved (MS-OXCFXICS 3.2.5.8.2.1)
    When the client uploads the CopyTo stream of m1 into a new message of folder B with SourceOperation CopyTo without saving it
    Then the server folder B holds 0 messages
    When the client saves the uploaded message
    Then the server folder B holds 1 message
    And the server folder B holds a copy of m1 with the same PidTagSubject, PidTagBody, PidTagImportance

  # [MS-OXCFXICS] 3.2.5.8.2.1 (R-065): an open Message object takes the stream; the server keeps the old version
  @R-065
  Scenario: An existing message keeps its properties until the upload into it is saved (MS-OXCFXICS 3.2.5.8.2.1)
    Given on the server, property PidTagSubject of message m2 is set to "unsaved"
    When the client uploads the CopyTo stream of m1 into message m2 with SourceOperation CopyTo without saving it
    Then on the server, message m2 has property PidTagSubject "unsaved"
    When the client saves the uploaded message
    Then the server folder Sync holds a copy of m1 with the same PidTagSubject, PidTagBody

  # [MS-OXCFXICS] 3.3.4.1, 3.3.4.2 (R-021), 2.2.3.1.2.1.1 (R-063), 2.2.3.1.2.2.2 (R-067, <11>, <12>)
  @R-021 @R-063 @R-067
  Scenario: A CopyTo stream uploaded in PutBuffer pieces into a new message makes a copy (MS-OXCFXICS 3.3.4.2)
    When the client uploads the CopyTo stream of m1 into a new message of folder B with SourceOperation CopyTo in PutBuffer pieces of 64 bytes
    Then the server folder B holds 1 message
    And the server folder B holds a copy of m1 with the same PidTagSubject, PidTagBody, PidTagImportance, PidTagMessageDeliveryTime
    And every PutBuffer response had Reserved 0, InProgressCount 0 and BufferUsedSize equal to its TransferDataSize, or a SHOULD-level warning is recorded
    And the report records the TotalStepCount of the PutBuffer responses

  # [MS-OXCFXICS] 3.3.4.1, 3.3.4.2 (R-021), 2.2.3.1.2.1.1 (R-063), 2.2.3.1.2.2.2 (R-067)
  @R-021 @R-063 @R-067
  Scenario: A CopyMessages stream uploaded into another folder copies every message (MS-OXCFXICS 3.3.4.2)
    When the client uploads the CopyMessages stream of m1, m2 into folder B with SourceOperation CopyMessages in PutBuffer pieces of 100 bytes
    Then the server folder B holds 2 messages
    And the server folder B holds a copy of m1 with the same PidTagSubject, PidTagBody, PidTagImportance
    And the server folder B holds a copy of m2 with the same PidTagSubject, PidTagBody, PidTagImportance
    And every PutBuffer response had Reserved 0, InProgressCount 0 and BufferUsedSize equal to its TransferDataSize, or a SHOULD-level warning is recorded

  # [MS-OXCFXICS] 2.2.3.1.2.1.1 (R-063), 3.2.5.8.2.2
  @R-063
  Scenario: A messageContent stream uploaded with SourceOperation CopyMessages fails and copies nothing (MS-OXCFXICS 2.2.3.1.2.1.1)
    When the client uploads the CopyTo stream of m1 into folder B with SourceOperation CopyMessages, allowing it to fail
    Then the last ROP fails
    And the server folder B holds 0 messages
