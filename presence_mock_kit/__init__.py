"""The presence contract-test kit: pytest cases that judge any server against the contract.

Run with `presence-mock contract --target URL|inprocess` or
`pytest --pyargs presence_mock_kit --presence-target URL|inprocess`. Depends only on the JSON
schemas (`mockserver.schemas`, no server) and HTTP (`requests`).
"""
