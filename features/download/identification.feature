# Spec: [MS-OXCFXICS] 3.2.5.5 (SourceKey), 3.2.5.9.1.1 (NoForeignIdentifiers, Unicode), 3.2.5.8.1.1
#       (string types), 3.1.5.3. Digest: server-rules.md R-044, R-082, R-093, R-116, R-251..R-254.
Feature: Identification and string properties in a contents download

  Background:
    Given a folder with 2 messages

  # [MS-OXCFXICS] 3.2.5.5 (R-116), 3.2.5.9.1.1 (R-093)
  @R-116 @R-093 @R-276
  Scenario: Every message change carries a 22-byte SourceKey and a ChangeKey of the server's namespace (MS-OXCFXICS 3.2.5.5)
    When the client synchronizes contents with an empty state
    Then every message change header's PidTagSourceKey is a 22-byte GID of the mailbox's REPLGUID
    And every message change header's PidTagChangeKey is an XID whose LocalId is the message's change number
    And every message change header's PidTagPredecessorChangeList holds its PidTagChangeKey

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-082), 3.2.5.8.1.1 (R-044); ftstream.md 9.6 (accept 0x001E and 0x001F)
  @R-082 @R-044
  Scenario Outline: With SendOptions <options> string properties come as <types> (MS-OXCFXICS 3.2.5.9.1.1)
    Given the send options are <options>
    And the synchronization flags are <flags>
    When the client synchronizes contents with an empty state
    Then every string property of the download has type <types>

    Examples:
      | options               | flags                 | types                   |
      | Unicode               | Unicode, Normal       | PtypString or PtypString8 |
      | Unicode, ForceUnicode | Unicode, Normal       | PtypString              |
      | none                  | Normal                | PtypString8             |

  # [MS-OXCFXICS] 3.1.5.3 (R-251, R-252, R-254)
  @R-251 @R-252
  Scenario: Copies get new IDs and change numbers only increase (MS-OXCFXICS 3.1.5.3)
    Given the client has synchronized contents
    And on the server, message m1 is copied into the same folder
    When the client synchronizes contents with its saved state
    Then the download holds message changes for m3
    And m3 has a MID different from every MID the client had
    And the change number of m3 is greater than every change number in the previous final state
