# Spec: [MS-OXCFXICS] 2.2.3.2.1.1.1, 3.2.5.9.1.1. Digest: server-rules.md group F (R-072..R-078), group Y.
Feature: SynchronizationFlags validation on RopSynchronizationConfigure

  Background:
    Given a folder with 3 messages

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-076); group Y: RPC-level or ROP-level 0x000004B6, 0x80070057, other non-zero
  @R-076 @R-075
  Scenario: The Reserved SynchronizationFlags bit 0x1000 fails the request (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, 0x1000
    When the client configures a contents synchronization
    Then the last ROP fails, or the whole RPC fails with 0x000004B6
    And no download context was returned when the ROP failed

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-077, R-078); group Y: failure or success, recorded
  @R-077 @R-078
  Scenario Outline: An undefined SynchronizationFlags bit <bit> fails or is recorded as accepted (MS-OXCFXICS 3.2.5.9.1.1)
    Given the synchronization flags are Unicode, Normal, <bit>
    When the client configures a contents synchronization
    Then the last ROP fails, or succeeds with a SHOULD-level warning

    Examples:
      | bit    |
      | 0x0040 |
      | 0x0200 |
      | 0x0400 |
      | 0x0800 |

  # [MS-OXCFXICS] 2.2.3.2.1.1.1 (R-073, R-074): client MUST NOT; server unspecified (group Y)
  @R-073 @R-074
  Scenario Outline: Contents-only flag <flag> on a hierarchy synchronization is ignored or refused (MS-OXCFXICS 2.2.3.2.1.1.1)
    Given the synchronization flags are Unicode, <flag>
    When the client configures a hierarchy synchronization
    Then the last ROP succeeds or fails with 0x80070057

    Examples:
      | flag      |
      | ReadState |
      | FAI       |
      | Normal    |
      | Progress  |

  @R-074
  Scenario Outline: Contents-only extra flag <flag> on a hierarchy synchronization is ignored or refused (MS-OXCFXICS 2.2.3.2.1.1.1)
    Given the extra flags are <flag>
    When the client configures a hierarchy synchronization
    Then the last ROP succeeds or fails with 0x80070057

    Examples:
      | flag                |
      | MessageSize         |
      | CN                  |
      | OrderByDeliveryTime |

  # [MS-OXCFXICS] 2.2.3.2.1.1.1 (R-072): group Y row "RestrictionDataSize ≠ 0 for Hierarchy"
  @R-072
  Scenario: A restriction on a hierarchy synchronization is refused or ignored (MS-OXCFXICS 2.2.3.2.1.1.1)
    Given the synchronization uses a restriction PidTagImportance equals 2
    When the client configures a hierarchy synchronization
    Then the last ROP succeeds or fails with 0x80070057

  # [MS-OXCFXICS] 2.2.3.2.1.1.1 (R-073, R-075, R-081): what the reference client sends
  @R-073 @R-075 @R-081 @client-duty
  Scenario: The client sets only defined, mode-appropriate flags and NoForeignIdentifiers (MS-OXCFXICS 2.2.3.2.1.1.1)
    When the client synchronizes contents with an empty state
    And the client synchronizes the hierarchy with an empty state
    Then no configure request had the Reserved bit 0x1000 set
    And every configure request set NoForeignIdentifiers
    And the hierarchy configure request set none of ReadState, FAI, Normal, OnlySpecifiedProperties, BestBody, IgnoreSpecifiedOnFAI, Progress
