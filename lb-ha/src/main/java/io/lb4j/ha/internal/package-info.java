/** Implementation of the HA module: advert codec, raw-socket transport, VIP owners. Not API; may change. */
package io.lb4j.ha.internal;
