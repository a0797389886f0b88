# SPDX-License-Identifier: GPL-2.0
"""The parts of scapy the test tools use, imported without the rest.

`from scapy.all import ...` loads every protocol layer scapy has, and
scapy's configuration probes the cryptography module (for its TLS and
IPsec layers, which no test uses), which loads OpenSSL. In a guest under
emulation that import took 16-19 s of CPU on the stock kernel (ten times
that on the debug kernel) and the tools here start it dozens of times per
run; these layers alone take about 6 s. Hiding cryptography makes scapy
take it as absent, as on a system without it.
"""
import sys

sys.modules.setdefault("cryptography", None)

from scapy.config import conf
from scapy.packet import Raw
from scapy.layers.inet import IP, IPOption
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop
from scapy.layers.l2 import GRE, Ether
from scapy.sendrecv import AsyncSniffer, send, sendp, sniff
from scapy.utils import rdpcap, wrpcap

__all__ = ["conf", "Raw", "IP", "IPOption", "IPv6", "IPv6ExtHdrFragment",
           "IPv6ExtHdrHopByHop", "GRE", "Ether", "AsyncSniffer", "send",
           "sendp", "sniff", "rdpcap", "wrpcap"]

conf.verb = 0
