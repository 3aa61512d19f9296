/** What a {@link io.lb4j.ha.vrrp.VrrpInstance} reports: each state transition with its reason, stamped by its clock. */
package io.lb4j.ha.vrrp.event;
