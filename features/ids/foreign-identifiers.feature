# Spec: [MS-OXCFXICS] 3.3.5.2.3, 2.2.2.2, 2.2.2.3, 3.1.5.3, 3.1.5.6.1. Digest: R-263..R-265, R-253.
Feature: Foreign identifiers and PCLs of client changes

  Background:
    Given a folder with 2 messages
    And the client has synchronized contents

  # [MS-OXCFXICS] 3.3.5.2.3 (R-263), 2.2.2.2 / 2.2.2.3 (R-264), 3.1.5.3 (R-253)
  @R-263 @R-264 @R-253 @client-duty
  Scenario: Client changes carry XIDs of a client namespace in a sorted PCL (MS-OXCFXICS 3.3.5.2.3)
    Given the client modifies message m1 locally
    And the client modifies message m1 locally
    And the client modifies message m2 locally
    When the client uploads its local changes
    Then every ChangeKey the client sent is an XID whose NamespaceGuid is not the mailbox's REPLGUID and whose LocalId is not 6 bytes long
    And the client's XIDs of one NamespaceGuid all have the same LocalId length and increase
    And every PCL the client sent is sorted by NamespaceGuid and holds the previous ChangeKey of the message

  # [MS-OXCFXICS] 3.1.5.3 (R-265): the server replaces foreign change numbers with internal ones
  @R-265 @R-211
  Scenario: An imported change gets an internal change number in the server's namespace (MS-OXCFXICS 3.1.5.3)
    Given the client modifies message m2 locally
    When the client uploads its local changes
    And the client synchronizes contents with its saved state
    Then the upload state's CnsetSeen covers the new change number of m2
    And on the server, message m2 has a PidTagChangeNumber of the mailbox's REPLGUID
