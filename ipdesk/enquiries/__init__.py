"""Enquiries: the questions a centre answers without opening a case (issue 23), asked by phone, e-mail, at a visit
or a trade show, referred by a trade office, or online, and turned into a case in one step when they become one."""
