# Spec: [MS-OXCFXICS] 2.2.3.2.1.1.1, 3.2.5.9.1.1, 3.3.5.9.1, 2.2.4.3.14; [MS-OXCSYNC] 3.1.5.3.8.
# Digest: server-rules.md group H, R-079, R-332, R-333.
Feature: SynchronizationExtraFlags: unknown bits ignored, known bits honoured
  The server does not validate SynchronizationExtraFlags strictly: unknown bits are ignored, and the
  known ones (Eid, MessageSize, CN, OrderByDeliveryTime) still change the stream as specified. A
  client that sets them without checking the server version detects from the stream what was honoured.

  Background:
    Given a folder with 3 messages

  # [MS-OXCSYNC] 3.1.5.3.8; [MS-OXCFXICS] 3.2.5.9.1.1; group Y row "Unknown SynchronizationExtraFlags"
  @R-079 @R-332
  Scenario Outline: Unknown extra flag bits <bits> are ignored (MS-OXCSYNC 3.1.5.3.8)
    When the client synchronizes contents with an empty state
    And the extra flags are <bits>
    And the client synchronizes contents with an empty state
    Then the configure succeeds
    And the download is identical to the previous download

    Examples:
      | bits                   |
      | 0x00000010             |
      | 0x80000000             |
      | 0x7FFFFFF0             |

  # [MS-OXCFXICS] 3.2.5.9.1.1, 2.2.4.3.14 (R-101..R-104) together with unknown bits (R-079)
  @R-079 @R-332 @R-101 @R-102 @R-103 @R-104 @R-107 @R-333
  Scenario: Known extra flags are honoured next to unknown ones (MS-OXCFXICS 3.2.5.9.1.1)
    Given the extra flags are Eid, MessageSize, CN, OrderByDeliveryTime, 0x00000010, 0x80000000
    When the client synchronizes contents with an empty state
    Then every message change header holds PidTagMid
    And every message change header holds PidTagMessageSize
    And every message change header holds PidTagChangeNumber
    And the message changes are ordered by delivery time, newest first
    And the client detected from the stream that Eid, MessageSize, CN, OrderByDeliveryTime were honoured

  # [MS-OXCFXICS] 2.2.4.3.14: "if and only if" (R-102, R-103); PidTagMid is tolerated without Eid (R-101 note)
  @R-102 @R-103 @R-101
  Scenario: Without extra flags the headers carry no MessageSize and no ChangeNumber (MS-OXCFXICS 2.2.4.3.14)
    Given the extra flags are none
    When the client synchronizes contents with an empty state
    Then no message change header holds PidTagMessageSize
    And no message change header holds PidTagChangeNumber

  # [MS-OXCFXICS] 2.2.4.3.14: fixed header layout (R-108); header values (R-276)
  @R-108 @R-276 @R-101
  Scenario: A message change header holds exactly the specified properties (MS-OXCFXICS 2.2.4.3.14)
    Given the extra flags are Eid, MessageSize, CN
    When the client synchronizes contents with an empty state
    Then every message change header holds PidTagSourceKey, PidTagLastModificationTime, PidTagChangeKey, PidTagPredecessorChangeList, PidTagAssociated in this order, then PidTagMid, PidTagMessageSize, PidTagChangeNumber and nothing else

  # [MS-OXCFXICS] 3.2.5.4 (R-106): the size is an estimate
  @R-102 @R-106
  Scenario: PidTagMessageSize is a plausible estimate (MS-OXCFXICS 3.2.5.4)
    Given the extra flags are MessageSize
    When the client synchronizes contents with an empty state
    Then every message change header's PidTagMessageSize is greater than 0

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-104): newest first, by PidTagMessageDeliveryTime
  @R-104
  Scenario: OrderByDeliveryTime orders message changes newest first (MS-OXCFXICS 3.2.5.9.1.1)
    Given on the server, 2 new messages are created
    And the extra flags are OrderByDeliveryTime
    When the client synchronizes contents with an empty state
    Then the message changes are ordered by delivery time, newest first

  # [MS-OXCFXICS] 3.3.5.6 (R-198): client-side checkpointing uses PidTagMid + PidTagChangeNumber
  @R-198 @R-101 @R-103 @client-duty
  Scenario: Eid and CN give the client what it needs for client-side checkpoints (MS-OXCFXICS 3.3.5.6)
    Given the extra flags are Eid, CN
    When the client synchronizes contents with an empty state
    Then for every message change the header's PidTagMid is in the final state's IdsetGiven
    And for every message change the header's PidTagChangeNumber is in the final state's CnsetSeen
