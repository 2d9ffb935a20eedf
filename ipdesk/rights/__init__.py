"""A company's register of IP rights, the rights a case relies on, and whether they can be enforced there."""
