/**
 * Linux system calls through the Foreign Function &amp; Memory API, shared by the packet engine and the HA module:
 * {@link io.lb4j.linux.Libc} (checked calls, errno captured with the call and turned into a
 * {@link io.lb4j.linux.LinuxException} that names what failed) and
 * {@link io.lb4j.linux.PacketSocket} (AF_PACKET with TPACKET_V3 mmap rings). No JNI, no C.
 */
package io.lb4j.linux;
