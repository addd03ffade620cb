# Spec: [MS-OXCFXICS] 2.2.3.2.2, 3.2.5.2, 3.2.5.2.1, 3.2.5.9.2, 3.3.4.3.1, 3.3.5.8.1-3.3.5.8.4;
#       [MS-OXCSYNC] 3.1.3.2.2. Digest: server-rules.md group J, group Y rows on state upload.
Feature: Uploading an ICS state in pieces

  Background:
    Given a folder with 40 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.2.5.9.2.2 (R-124), 3.3.5.8.3 (R-121, R-123)
  @R-121 @R-123 @R-124 @R-301 @R-120
  Scenario: A state uploaded in pieces of 7 bytes gives the same download as one piece (MS-OXCFXICS 3.2.5.9.2.2)
    Given on the server, message m5 is modified
    And the client uploads state in pieces of at most 7 bytes
    When the client synchronizes contents with its saved state
    Then every state property was uploaded with Begin, several Continue and End
    And no UploadStateStreamContinue had StreamDataSize 0
    And the download holds message changes for m5

  # [MS-OXCFXICS] 3.3.5.8.2 (R-122, R-125, R-126): one property at a time, each once, four for contents
  @R-122 @R-125 @R-126 @R-018 @client-duty
  Scenario: The client uploads each contents state property once, one at a time (MS-OXCFXICS 3.3.4.3.1)
    When the client synchronizes contents with its saved state
    Then the client uploaded the state properties MetaTagIdsetGiven, MetaTagCnsetSeen, MetaTagCnsetSeenFAI, MetaTagCnsetRead once each
    And no UploadStateStreamBegin was sent while another property upload was open

  # [MS-OXCFXICS] 3.2.5.2.1 (R-127, R-128); group Y row "MetaTagIdsetGiven with tag 0x40170102"
  @R-127 @R-128
  Scenario Outline: MetaTagIdsetGiven is accepted with the tag <tag> (MS-OXCFXICS 3.2.5.2.1)
    Given on the server, message m5 is modified
    And the client uploads MetaTagIdsetGiven with the property tag <tag>
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m5

    Examples:
      | tag        |
      | 0x40170003 |
      | 0x40170102 |

  # [MS-OXCFXICS] 3.2.5.2.1 (R-128), 2.2.4.3.25 (R-132): the final state sends IdsetGiven with 0x40170003
  @R-128 @R-132 @R-118
  Scenario: The final state carries only the four state properties, IdsetGiven with the PtypInteger32 tag (MS-OXCFXICS 2.2.4.3.25)
    When the client synchronizes contents with its saved state
    Then the final state holds only MetaTagIdsetGiven, MetaTagCnsetSeen, MetaTagCnsetSeenFAI, MetaTagCnsetRead
    And the final state's MetaTagIdsetGiven has the property tag 0x40170003, or 0x40170102 with a warning
    And every final state property is an IDSET in REPLGUID form

  # group Y rows: Continue/End without Begin fail; Begin during another upload fails or is tolerated
  @R-121 @R-122
  Scenario Outline: <probe> is refused (MS-OXCFXICS 3.3.5.8.2)
    When the client configures a contents synchronization
    And the client sends <probe>
    Then the last ROP <outcome>

    Examples:
      | probe                                                 | outcome                        |
      | UploadStateStreamContinue without Begin               | fails                          |
      | UploadStateStreamEnd without Begin                    | fails                          |
      | UploadStateStreamBegin while another upload is open   | fails, or succeeds with a warning |
      | UploadStateStreamBegin with the property tag 0x0E080003 | fails                        |

  # group Y row "StreamDataSize = 0" (R-123)
  @R-123
  Scenario: A Continue with StreamDataSize 0 fails or is a no-op (MS-OXCFXICS 2.2.3.2.2.2.1)
    Given on the server, message m5 is modified
    And the client adds an UploadStateStreamContinue with StreamDataSize 0 to each state property
    When the client synchronizes contents with its saved state, allowing the state upload to fail
    Then the state upload failed, or the download holds message changes for m5

  # [MS-OXCFXICS] 3.1.5.4.3.2 (R-292..R-294); group Y row "Malformed IDSET"
  @R-292 @R-293 @R-294
  Scenario Outline: A malformed IDSET in MetaTagCnsetSeen is refused (MS-OXCFXICS 3.1.5.4.3.2)
    When the client synchronizes contents with the state property MetaTagCnsetSeen set to <bytes>, allowing the download to fail
    Then the state upload or the first GetBuffer failed with one of 0x000004B6, 0x000004ED, or the RPC fails with 0x000004B6

    Examples:
      | bytes                                                                      | defect                         |
      | 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 04 01 02 03 04 42 00 00 00  | Bitmask with 4 stacked bytes   |
      | 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 52 00 00 00 00 00 09 00 00 00 00 00 01 00 | Range with low > high |
      | 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 07                          | unknown command 0x07           |
      | 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 50 00                       | Pop with an empty stack        |
