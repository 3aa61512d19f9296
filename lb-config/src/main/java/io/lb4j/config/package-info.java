/**
 * The one mapping between lb4j's model and a configuration tree.
 */
package io.lb4j.config;
