"""Feedback work orders: error reports, questions, data requests and complaints (工单)."""
