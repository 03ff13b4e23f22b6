"""Cases: something the contact center follows up for a customer until it is done
(a return today), with its steps. A customer's open cases are found through an
index on the customer id, never a Scan; the profile's `open_case_id` names the one
a contact flow routes on."""
