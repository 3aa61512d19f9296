/**
 * The feedback-agent check ({@code HealthCheck.agent(port)}): {@link io.lb4j.healthcheck.agent.AgentStrategy} reads
 * one line from an agent on the real server in HAProxy's agent-check text protocol (Loadbalancer.org's feedback agent
 * speaks a subset of it) and turns it into a weight report or a verdict; {@link io.lb4j.healthcheck.agent.AgentReply}
 * is the parser.
 */
package io.lb4j.healthcheck.agent;
