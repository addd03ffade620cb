# Spec: [MS-OXCFXICS] 2.2.3.2.4.5, 3.2.5.9.4.5, 3.3.4.3.3.1.2, 3.3.4.3.3.2.3, 3.3.5.8.10.
# Digest: R-222..R-228, R-161, group Y rows on ImportDeletes.
Feature: Uploading deletions with RopSynchronizationImportDeletes

  Background:
    Given a folder with 4 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 2.2.3.2.4.5.1 (R-222), 3.3.5.8.10 (R-228)
  @R-222 @R-228 @client-duty
  Scenario: The client deletes two messages in one ImportDeletes (MS-OXCFXICS 3.3.4.3.3.2.3)
    Given the client deletes message m1 locally
    And the client deletes message m2 locally
    When the client uploads its local changes
    Then one ImportDeletes carried the source keys of m1, m2 in a PtypMultipleBinary 0x00001102
    And the server folder holds exactly m3, m4
    And the saved state's IdsetGiven does not hold m1, m2

  # [MS-OXCFXICS] 2.2.3.2.4.5.1 (R-223); group Y: Success, or 0x80040102 (2003/2007)
  @R-223 @R-157
  Scenario: A hard delete is supported (MS-OXCFXICS 2.2.3.2.4.5.1)
    Given the client hard deletes message m3 locally
    When the client uploads its local changes
    Then every ImportDeletes succeeded, or failed with 0x80040102 with a SHOULD-level warning
    And the server folder does not hold m3, unless the import failed

  # [MS-OXCFXICS] 3.2.5.9.4.5 (R-224)
  @R-224
  Scenario: Deleting an already deleted message is ignored (MS-OXCFXICS 3.2.5.9.4.5)
    Given on the server, message m4 is hard deleted
    And the client deletes message m4 locally
    When the client uploads its local changes
    Then every ImportDeletes succeeded

  # [MS-OXCFXICS] 3.2.5.9.4.5 (R-226); group Y: 0x80070057 / 0x80040102
  @R-226
  Scenario: An unknown ImportDeleteFlags bit fails the ROP (MS-OXCFXICS 3.2.5.9.4.5)
    When the client imports the deletion of m1 with ImportDeleteFlags 0x10
    Then the last ROP fails with one of 0x80070057, 0x80040102, or succeeds with a SHOULD-level warning

  # [MS-OXCFXICS] 2.2.3.2.4.5.1 (R-222): the Hierarchy flag must match the collector
  @R-222
  Scenario: A hierarchy deletion on a contents collector fails (MS-OXCFXICS 2.2.3.2.4.5.1)
    When the client imports the deletion of m1 with ImportDeleteFlags 0x01 on a contents collector
    Then the last ROP fails

  # [MS-OXCFXICS] 3.2.5.9.4.5 (R-161): deletions of never-existing objects are recorded
  @R-161 @R-261
  Scenario: Deleting an ID the server never saw prevents its later resurrection (MS-OXCFXICS 3.2.5.9.4.5)
    Given the client reserves 0x200 IDs with RopGetLocalReplicaIds
    And the client creates 1 message locally with an ID from the reserved range
    And the client deletes that message locally before uploading it
    When the client uploads its local changes
    And the client imports a message change with that ID
    Then the last ROP fails, or the server folder does not hold the message

  # [MS-OXCFXICS] 3.3.4.3.3.2.3 (R-227, R-225): stop at the first NotFound; retry on a fresh collector
  @R-227 @R-225 @R-228
  Scenario: A batch with a missing message stops there and the client retries on a fresh collector (MS-OXCFXICS 3.3.4.3.3.2.3)
    When the client imports the deletions of m1 and of a message unknown to the server
    Then the last ROP succeeds, or fails before deleting anything
    And after a retry on a fresh collector the server folder does not hold m1
