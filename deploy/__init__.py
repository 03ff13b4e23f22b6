"""Production packaging: the CloudFormation stack (`python -m deploy.infra package
--stage prod`, `make package`), the functions' IAM policy (`make policy`) and the
stage's contact flows as JSON to import (`make flows`). Nothing here ships in the
Lambda zip (chalice packages app.py, chalicelib/ and vendor/ only)."""
