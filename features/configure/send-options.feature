# Spec: [MS-OXCSYNC] 3.1.5.3.8 (2010 edition: strict SendOptions validation); [MS-OXCFXICS]
#       2.2.3.1.1.1.1, 3.2.5.9.1.1 (current edition: unknown bit SHOULD fail, Reserved bits MUST be
#       ignored). Digest: server-rules.md R-037, R-077, R-331 and the "Project decision" note in group Y.
Feature: Strict SendOptions validation on RopSynchronizationConfigure
  The editions disagree on the Reserved bits. The unknown bit 0x80 fails the configure; each Reserved
  bit (0x20, 0x40) either fails the same way (2010 edition) or is ignored with an identical stream
  (current edition). Both conform; the report names the edition the target follows.

  Background:
    Given a folder with 3 messages

  # [MS-OXCSYNC] 3.1.5.3.8; [MS-OXCFXICS] 3.2.5.9.1.1 (R3498); acceptance: group Y row "SendOptions bit 0x80"
  @R-331 @R-077
  Scenario: The unknown SendOptions bit 0x80 alone fails the configure (MS-OXCSYNC 3.1.5.3.8)
    Given the send options are Unicode, 0x80
    When the client configures a contents synchronization
    Then the last ROP fails with 0x80070057, or succeeds with a SHOULD-level warning
    And no download context was returned when the ROP failed

  # Project decision (group Y): both editions conform; anything else fails.
  @R-331 @R-037 @R-077
  Scenario Outline: A Reserved SendOptions bit fails like 0x80 or is ignored with an identical stream (MS-OXCFXICS 2.2.3.1.1.1.1)
    Given the send options are Unicode
    When the client synchronizes contents with an empty state
    And the send options are Unicode, <bit>
    And the client synchronizes contents with an empty state, allowing the configure to fail
    Then the configure failed with 0x80070057, or the download is identical to the previous download
    And the report records which SendOptions edition the target follows for <bit>

    Examples:
      | bit  |
      | 0x20 |
      | 0x40 |

  # The reference server's profiles: both branches of the decision are exercised.
  @R-331 @R-037 @needs-behaviour-profile
  Scenario Outline: The reference server's <profile> profile follows the <edition> edition (MS-OXCSYNC 3.1.5.3.8)
    Given the server follows the <profile> behaviour profile
    And the send options are Unicode, <bit>
    When the client configures a contents synchronization
    Then the last ROP <outcome>

    Examples:
      | profile | edition | bit  | outcome                |
      | default | current | 0x20 | succeeds               |
      | default | current | 0x40 | succeeds               |
      | default | current | 0x80 | fails with 0x80070057  |
      | strict  | 2010    | 0x20 | fails with 0x80070057  |
      | strict  | 2010    | 0x40 | fails with 0x80070057  |
      | strict  | 2010    | 0x80 | fails with 0x80070057  |

  # [MS-OXCFXICS] 2.2.3.1.1.1.1: the defined bits, alone and combined
  @R-331 @R-043 @R-323
  Scenario Outline: Valid SendOptions combinations succeed (MS-OXCFXICS 2.2.3.1.1.1.1)
    Given the send options are <options>
    When the client synchronizes contents with an empty state
    Then the download holds 3 message changes

    Examples:
      | options                                  |
      | Unicode                                  |
      | Unicode, RecoverMode                     |
      | Unicode, PartialItem                     |
      | Unicode, ForceUnicode                    |
      | Unicode, RecoverMode, PartialItem        |
      | Unicode, RecoverMode, ForceUnicode, PartialItem |

  # [MS-OXCFXICS] 2.2.3.2.1.1.1 (R-071): client MUST keep Unicode equal; server behaviour unspecified.
  @R-071 @client-duty
  Scenario: The client sends the same Unicode bit in SendOptions and SynchronizationFlags (MS-OXCFXICS 2.2.3.2.1.1.1)
    When the client synchronizes contents with an empty state
    Then the configure request had SendOptions Unicode equal to SynchronizationFlags Unicode

  # group Y row "Unicode mismatch": success or 0x80070057
  @R-071
  Scenario: A Unicode mismatch between SendOptions and SynchronizationFlags is answered with success or 0x80070057 (MS-OXCFXICS 2.2.3.2.1.1.1)
    Given the send options are none
    And the synchronization flags are Unicode, Normal
    When the client configures a contents synchronization
    Then the last ROP succeeds or fails with 0x80070057
