# Spec: [MS-OXCFXICS] 2.2.3.2.1.1.1, 3.2.5.9.1.1; [MS-OXCSYNC] 3.1.1.1. Digest: R-069, R-070, R-298, group Y.
Feature: SynchronizationType validation

  Background:
    Given a folder with 1 message

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-070); group Y: 0x80070057 preferred, 0x80040102 or other non-zero, no context
  @R-070
  Scenario Outline: SynchronizationType <type> fails the configure (MS-OXCFXICS 3.2.5.9.1.1)
    When the client configures a synchronization of type <type>
    Then the last ROP fails with one of 0x80070057, 0x80040102, or another non-zero code with a warning
    And no download context was returned when the ROP failed

    Examples:
      | type |
      | 0x00 |
      | 0x03 |
      | 0x04 |
      | 0xFF |

  # [MS-OXCFXICS] 2.2.3.2.1.1.1 (R-069); [MS-OXCSYNC] 3.1.1.1 (R-298): contents scope = that folder only
  @R-069 @R-298
  Scenario: A contents synchronization covers only the messages of the opened folder (MS-OXCSYNC 3.1.1.1)
    Given a folder tree:
      | folder | parent | messages |
      | Sync   | root   | 2        |
      | Child  | Sync   | 3        |
    When the client synchronizes contents of folder Sync with an empty state
    Then the download holds 2 message changes
