/**
 * Quotas and limits of run creation: the organisation's token budget (402) and each user's run rate
 * (429).
 */
package io.runstream.admission.limits;
