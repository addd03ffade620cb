# Spec: [MS-OXCFXICS] 3.2.5.9.1.1 (Progress), 2.2.4.3.18, 2.2.4.3.19, 2.2.2.7, 3.2.5.4.
# Digest: server-rules.md R-096, R-097, R-193, R-106.
Feature: Progress information in a contents download

  Background:
    Given a folder with 3 messages and 1 FAI message

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-096), 2.2.4.3.19 (R-097), 2.2.2.7 (R-193)
  @R-096 @R-097 @R-193
  Scenario: Progress brings a progressTotal and a progressPerMessage before every message change (MS-OXCFXICS 2.2.4.3.19)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, Progress
    When the client synchronizes contents with an empty state
    Then the download starts with a progressTotal element with Version 0x0000
    And the progressTotal counts 3 normal and 1 FAI messages
    And every message change is preceded by a progressPerMessage element
    And the progressPerMessage before f1 has the FAI flag set

  # [MS-OXCFXICS] 3.2.5.9.1.1 (R-096): MUST NOT inject progress when clear
  @R-096
  Scenario: Without Progress the download holds no progress information (MS-OXCFXICS 3.2.5.9.1.1)
    When the client synchronizes contents with an empty state
    Then the download holds no progress elements

  # [MS-OXCSYNC] 3.1.1.5 (R-304): the client may use progress to estimate the remaining time
  @R-304 @R-096 @client-duty
  Scenario: The client reports progress from the stream (MS-OXCSYNC 3.1.1.5)
    Given the synchronization flags are Unicode, Normal, FAI, ReadState, Progress
    When the client synchronizes contents with an empty state
    Then the client reported progress reaching 4 of 4 messages
