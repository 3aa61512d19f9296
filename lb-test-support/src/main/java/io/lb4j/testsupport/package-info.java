/**
 * What every module's tests and the benchmarks share: the namespace lab ({@code netns}), the real TCP server
 * ({@code net}), a real PACS and DICOM images for it ({@code dicom}), net-snmp ({@code snmp}), and the programs they run
 * ({@code process}).
 * Test scope only: no shipped module depends on it. The one clock of the tests is lb-testkit's {@code VirtualClock},
 * which users get too.
 */
package io.lb4j.testsupport;
