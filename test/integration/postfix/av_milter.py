#!/usr/bin/python3
# av_milter.py: TEST ONLY. A stand-in "antivirus" milter (Debian's python3-milter, i.e.
# pymilter over libmilter) for the R-MYO-12 chain test (test_milter_chain.sh): a message
# whose body holds the EICAR test string is rejected at end of message with
#   554 5.7.1 Virus found: EICAR-Test-File
# and every other message gets the header "X-Virus-Scanned: clean (mailwarden test-av)".
# Each end of message and abort is written to LOG (one line, flushed), so the test can see
# which messages this milter was asked about.
#   /usr/bin/python3 av_milter.py SOCKET LOG     (SOCKET in libmilter form: inet:PORT@127.0.0.1)
# Not a scanner: it looks for one fixed string, in the raw body only.
import sys

import Milter

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def note(text):
    with open(LOG, "a", encoding="utf-8") as f:
        f.write(text + "\n")


class Av(Milter.Base):
    def __init__(self):
        self.chunks = []
        self.sender = ""

    def envfrom(self, mailfrom, *params):
        self.chunks = []
        self.sender = mailfrom
        return Milter.CONTINUE

    def body(self, chunk):
        self.chunks.append(chunk)
        return Milter.CONTINUE

    def eom(self):
        data = b"".join(self.chunks)
        if EICAR in data:
            note(f"eom virus from={self.sender}")
            self.setreply("554", "5.7.1", "Virus found: EICAR-Test-File")
            return Milter.REJECT
        self.addheader("X-Virus-Scanned", "clean (mailwarden test-av)")
        note(f"eom clean from={self.sender}")
        return Milter.ACCEPT

    def abort(self):
        note(f"abort from={self.sender}")
        return Milter.CONTINUE


if __name__ == "__main__":
    socket, LOG = sys.argv[1], sys.argv[2]
    Milter.factory = Av
    Milter.set_flags(Milter.ADDHDRS)
    note("started")
    Milter.runmilter("mailwarden-test-av", socket, 240)
