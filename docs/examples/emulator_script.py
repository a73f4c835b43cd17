"""Starting an emulator from a script: no pytest, no WeChat account."""

import asyncio

import wxtcb
from wxtcb import db
from wxtcb.testing import DEMO_APPID, DEMO_ENV, DEMO_SECRET, Emulator


async def main() -> None:
    async with Emulator() as emulator:  # serves on a free loopback port until the block ends
        provider = wxtcb.AppTokenProvider(DEMO_APPID, DEMO_SECRET)
        async with wxtcb.Client(provider, base_url=emulator.url) as client:
            # A new Emulator() has no collection: create one (or emulator.seed_collection(...)).
            await client.database.collections.create(DEMO_ENV, "todos")
            todos = db.collection("todos")
            await client.database.add(DEMO_ENV, todos.add([{"title": "try wxtcb", "done": False}]))
            page = await client.database.query(DEMO_ENV, todos.where({"done": False}).get())
            print([doc["title"] for doc in page.data])
        print(emulator.calls["tcb/databasequery"], "query,", emulator.token_count(), "token issued")


if __name__ == "__main__":
    asyncio.run(main())
