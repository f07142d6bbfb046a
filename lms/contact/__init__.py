"""The contact page: how to reach SAM (address, e-mail, phone), linked from every page's footer."""
