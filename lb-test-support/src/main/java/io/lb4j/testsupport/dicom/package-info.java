/**
 * DICOM for the system tests: {@link io.lb4j.testsupport.dicom.Orthanc} runs a real PACS (Debian's {@code orthanc})
 * inside a namespace lab's host, and {@link io.lb4j.testsupport.dicom.DicomImage} writes valid DICOM images of
 * generated pixels, as big as a modality's, with DCMTK's {@code dump2dcm} (Debian's {@code dcmtk}).
 */
package io.lb4j.testsupport.dicom;
