"""Fakes of outside services on loopback, and the real ``shiftbot serve`` run beside them."""
