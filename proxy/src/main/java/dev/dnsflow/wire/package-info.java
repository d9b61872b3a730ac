/**
 * Pure wire code: read and patch DNS messages in place on Netty buffers (header, question, OPT,
 * answer addresses), never throwing on hostile input. No allocation except where noted.
 */
package dev.dnsflow.wire;
