# Spec: [MS-OXCFXICS] 2.2.3.2.4.7, 2.2.3.2.4.8, 3.2.5.9.4.7, 3.2.5.9.4.8, 3.3.5.2.1, 3.1.5.3;
#       [MS-OXCSYNC] 3.1.3.1.1. Digest: server-rules.md group U, R-162, R-305..R-311.
Feature: Reserving IDs with RopGetLocalReplicaIds and releasing them

  Background:
    Given a folder with 1 message
    And the client has synchronized contents

  # [MS-OXCFXICS] 2.2.3.2.4.7.2 (R-258), 3.2.5.9.4.7 (R-257)
  @R-256 @R-257 @R-258 @R-306
  Scenario Outline: A reservation of <count> IDs returns a range of the mailbox's REPLGUID (MS-OXCFXICS 2.2.3.2.4.7.2)
    When the client reserves <count> IDs with RopGetLocalReplicaIds
    Then the last ROP succeeds
    And the reserved range is the mailbox's REPLGUID with <count> GLOBCNTs from the returned GlobalCount

    Examples:
      | count   |
      | 0x200   |
      | 0x10000 |

  # [MS-OXCFXICS] 3.1.5.3 (R-251, R-252): ranges never overlap and grow
  @R-251 @R-252 @R-309
  Scenario: Two reservations give disjoint, increasing ranges (MS-OXCFXICS 3.1.5.3)
    When the client reserves 0x200 IDs with RopGetLocalReplicaIds
    And the client reserves 0x200 IDs with RopGetLocalReplicaIds
    Then the second reserved range starts after the end of the first

  # group Y row "IdCount = 0 / 0xFFFFFFFF": unspecified, recorded
  Scenario Outline: A reservation of <count> IDs is answered and recorded (MS-OXCFXICS 2.2.3.2.4.7.1)
    When the client reserves <count> IDs with RopGetLocalReplicaIds
    Then the report records the answer to a reservation of <count> IDs

    Examples:
      | count      |
      | 0          |
      | 0xFFFFFFFF |

  # [MS-OXCSYNC] 3.1.3.1.1 (R-305..R-310), [MS-OXCFXICS] 3.3.5.2.1 (R-255, R-256, R-259, R-260)
  @R-255 @R-256 @R-259 @R-260 @R-305 @R-306 @R-307 @R-308 @R-310 @client-duty
  Scenario: The client gives new messages consecutive IDs from one reservation (MS-OXCSYNC 3.1.3.1.1)
    Given the client creates 5 messages locally
    When the client uploads its local changes
    Then the client called RopGetLocalReplicaIds once
    And the 5 new messages have consecutive MIDs from the reserved range
    And no reserved ID was used as a change number

  # [MS-OXCSYNC] 3.1.3.1.1 (R-307): reserve again only when mostly used. A batch of 8 (a client
  # setting below the recommended 0x200) shows the rule on a small range: 5 of 8 left is not
  # "mostly used".
  @R-307 @R-256 @client-duty
  Scenario Outline: The client reserves again only after using most of its range of <batch> IDs (MS-OXCSYNC 3.1.3.1.1)
    Given the client reserves IDs in batches of <batch>
    And the client creates 3 messages locally
    And the client has uploaded its local changes
    And the client creates 3 messages locally
    When the client uploads its local changes
    Then the client called RopGetLocalReplicaIds once
    And every RopGetLocalReplicaIds request of the client had IdCount <batch>

    Examples:
      | batch |
      | 8     |
      | 0x200 |

  # [MS-OXCSYNC] 3.1.3.1.1 (R-307, R-308): once most of the range is used, the next objects need a
  # new reservation, and their IDs continue from it
  @R-307 @R-308 @client-duty
  Scenario: The client reserves again once most of its range is used (MS-OXCSYNC 3.1.3.1.1)
    Given the client reserves IDs in batches of 8
    And the client creates 6 messages locally
    And the client has uploaded its local changes
    And the client creates 3 messages locally
    When the client uploads its local changes
    Then the client called RopGetLocalReplicaIds 2 times
    And no reserved ID was used twice

  # [MS-OXCFXICS] 3.2.5.9.4.8 (R-162), 3.3.5.8.13 (R-261, R-262); [MS-OXCSYNC] 3.1.3.1.1 (R-311)
  @R-162 @R-261 @R-262 @R-311 @client-duty
  Scenario: Unused reserved IDs are released with RopSetLocalReplicaMidsetDeleted (MS-OXCFXICS 3.2.5.9.4.8)
    Given the client reserves 0x200 IDs with RopGetLocalReplicaIds
    And the client creates 2 messages locally
    And the client has uploaded its local changes
    When the client releases the unused rest of its reserved range for the folder
    Then the last ROP succeeds
    And the RopSetLocalReplicaMidsetDeleted ranges held only never-used IDs of the reservation, with one REPLGUID per range
    And the server folder holds exactly m1, m2, m3

  # group Y row "SetLocalReplicaMidsetDeleted DataSize inconsistent with count"
  @R-262
  Scenario: A RopSetLocalReplicaMidsetDeleted whose DataSize disagrees with its count is refused (MS-OXCFXICS 2.2.3.2.4.8.1)
    Given the client reserves 0x200 IDs with RopGetLocalReplicaIds
    When the client sends RopSetLocalReplicaMidsetDeleted with a DataSize 4 bytes larger than its ranges
    Then the last ROP fails with 0x80070057, or the RPC fails with 0x000004B6
