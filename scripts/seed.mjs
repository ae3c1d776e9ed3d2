#!/usr/bin/env node
// Loads the demo marketplace (3 artisans, 3 buyers, 50 products) through the Parse REST API with
// the master key. Runs only when there is no Artisan yet, so `make dev` may call it at every start.
// Deterministic: the same data every time. Every product and artisan gets a photo: a PNG drawn
// here (scripts/png.mjs) and uploaded through the files API (POST /files/:name).
//
//   PARSE_URL   default http://127.0.0.1:8787/parse
//   APP_ID      default: [vars] APP_ID in wrangler.toml
//   MASTER_KEY  default: MASTER_KEY in .dev.vars
//
// `node scripts/seed.mjs --print-logins` prints the demo logins and touches nothing.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { portrait, productPhoto } from "./png.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export const DEMO_PASSWORD = "demo-password";

// Local demo data only: the password is printed in the dev banner on purpose.
const ARTISANS = [
  {
    username: "mira",
    email: "mira@example.com",
    name: "Okafor Clay Studio",
    description:
      "Mira Okafor throws stoneware and porcelain on the wheel and fires it in a gas kiln " +
      "and, twice a year, a shared wood-fired anagama.",
    category: "ceramics",
    products: [
      ["Tenmoku Tea Bowl", 48, 1, ["stoneware", "tea"], "Iron-rich tenmoku glaze breaking to rust at the rim."],
      ["Celadon Porcelain Vase", 120, 1, ["porcelain", "vase"], "Pale green celadon pooling in carved fluting."],
      ["Speckled Stoneware Mugs, Set of 2", 56, 3, ["stoneware", "mug", "set"], "Oatmeal glaze over speckled clay, 350 ml each."],
      ["Ash-Glazed Serving Platter", 145, 1, ["stoneware", "tableware"], "Wide platter with a natural wood-ash glaze run."],
      ["Hand-Thrown Ramen Bowl", 42.5, 2, ["stoneware", "bowl"], "Deep bowl with a throwing-line texture, dishwasher safe."],
      ["Shino Sake Set", 98, 1, ["stoneware", "sake", "set"], "Flask and two cups in a carbon-trapped shino glaze."],
      ["White Porcelain Moon Jar", 380, 1, ["porcelain", "jar"], "Two thrown halves joined at the belly, after the Korean form."],
      ["Carved Terracotta Planter", 64, 1, ["terracotta", "planter"], "Unglazed outside, sealed inside, with a drainage hole and saucer."],
      ["Raku Incense Holder", 28, 4, ["raku", "incense"], "Crackled white raku with smoked lines."],
      ["Cobalt Brush-Painted Plate", 52, 1, ["porcelain", "plate"], "Freehand cobalt brushwork under a clear glaze, 26 cm."],
      ["Stoneware Pour-Over Dripper", 46, 2, ["stoneware", "coffee"], "Fits standard #2 filters; spiral ribs inside for an even draw."],
      ["Nesting Prep Bowls, Set of 3", 75, 1, ["stoneware", "bowl", "set"], "Three sizes in a satin white glaze."],
      ["Crackle Glaze Bud Vases, Pair", 38, 2, ["porcelain", "vase"], "Small vases for a single stem, crackle inked in black."],
      ["Wood-Fired Anagama Jar", 260, 1, ["stoneware", "wood-fired", "jar"], "Five days in the anagama; flashing and natural ash deposits."],
      ["Porcelain Espresso Cups, Set of 4", 88, 1, ["porcelain", "coffee", "set"], "Thin-walled 80 ml cups with saucers."],
      ["Salt-Glazed Pitcher", 92, 1, ["stoneware", "salt-glaze", "pitcher"], "Orange-peel salt glaze, pulled handle, 1 litre."],
      ["Matte Black Candle Vessel", 34, 4, ["stoneware", "candle"], "Refillable vessel with a matte black interior glaze."],
    ],
  },
  {
    username: "tomas",
    email: "tomas@example.com",
    name: "Reyes Woodworks",
    description:
      "Tomás Reyes makes furniture and kitchen pieces from storm-felled and reclaimed hardwood, " +
      "finished with oil and beeswax.",
    category: "woodwork",
    products: [
      ["Walnut End-Grain Cutting Board", 135, 1, ["walnut", "kitchen"], "Checkerboard end grain, 40 × 30 cm, with juice groove."],
      ["Cherry Serving Spoon", 36, 3, ["cherry", "kitchen", "spoon"], "Carved with a hook knife from a single cherry branch."],
      ["Hand-Carved Olive Wood Bowl", 78, 1, ["olive", "bowl"], "Follows the grain of one olive-wood block."],
      ["Maple Butter Knives, Set of 3", 29.5, 5, ["maple", "kitchen", "set"], "Spreaders with a soft bevel, food-safe oil finish."],
      ["Dovetailed Oak Wall Shelf", 165, 1, ["oak", "furniture", "shelf"], "Hand-cut through dovetails, 80 cm long."],
      ["Turned Ash Pepper Mill", 58, 2, ["ash", "kitchen"], "Lathe-turned body with a ceramic grinding mechanism."],
      ["Bog Oak Jewellery Box", 210, 1, ["bog-oak", "box"], "Five-thousand-year-old bog oak with a felt-lined tray."],
      ["Spalted Beech Fountain Pen", 45, 2, ["beech", "pen"], "Spalted beech barrel with a steel nib."],
      ["Walnut and Brass Desk Organiser", 96, 1, ["walnut", "brass", "desk"], "Pen slots, a card stand and a brass tray."],
      ["Cherry Shaker Oval Box", 84, 1, ["cherry", "box", "shaker"], "Steam-bent cherry bands fastened with copper tacks."],
      ["Live-Edge Elm Coffee Table", 890, 1, ["elm", "furniture", "table"], "A single storm-felled elm slab on blackened steel legs."],
      ["Sycamore Spatula Trio", 32, 5, ["sycamore", "kitchen", "set"], "Left-, right-handed and straight spatulas."],
      ["Oak Chopping Block", 120, 1, ["oak", "kitchen"], "Hand-planed block 8 cm thick, with finger grips."],
      ["Carved Linden Songbird", 54, 1, ["linden", "carving"], "A wren carved in linden and painted in milk paint."],
      ["Ebonised Oak Candle Holders, Pair", 62, 1, ["oak", "candle"], "Oak blackened with iron acetate, brass cups."],
      ["Yew Wood Hair Comb", 27, 3, ["yew", "comb"], "Saw-cut teeth, polished smooth."],
      ["Three-Legged Ash Stool", 240, 1, ["ash", "furniture", "stool"], "Green-wood joinery, wedged tenons, woven seagrass seat."],
    ],
  },
  {
    username: "anika",
    email: "anika@example.com",
    name: "Lindqvist Loom & Silver",
    description:
      "Anika Lindqvist weaves and dyes with plants from her garden, and forges silver jewellery " +
      "at the bench beside the loom.",
    category: "textiles",
    products: [
      ["Indigo Wool Throw", 185, 1, ["wool", "indigo", "blanket"], "Hand-woven twill in indigo-dyed wool, 130 × 180 cm."],
      ["Natural-Dyed Linen Table Runner", 68, 2, ["linen", "table"], "Dyed with madder and weld, hemmed by hand."],
      ["Block-Printed Cotton Napkins, Set of 4", 44, 3, ["cotton", "block-print", "set"], "Printed with hand-carved blocks."],
      ["Rya Rug in Moss and Rust", 420, 1, ["wool", "rug"], "Knotted rya pile on a linen warp, 90 × 140 cm."],
      ["Hand-Knitted Alpaca Scarf", 95, 1, ["alpaca", "knit", "scarf"], "Undyed grey alpaca in a cable pattern."],
      ["Shibori Silk Scarf", 72, 1, ["silk", "indigo", "scarf"], "Arashi pole-wrapped shibori in indigo."],
      ["Fjord Tapestry Wall Hanging", 310, 1, ["wool", "tapestry"], "Tapestry-woven landscape, hung on an oak dowel."],
      ["Felted Wool Slippers", 66, 2, ["wool", "felt"], "Wet-felted in one piece, with leather soles."],
      ["Hammered Silver Cuff", 140, 1, ["silver", "bracelet"], "Sterling silver, forged and planished.", "jewellery"],
      ["Labradorite Sterling Ring", 118, 1, ["silver", "ring", "labradorite"], "Bezel-set labradorite on a hand-forged band.", "jewellery"],
      ["Oxidised Silver Leaf Earrings", 58, 1, ["silver", "earrings"], "Sawn leaves, oxidised and polished back.", "jewellery"],
      ["Brass Pendant on Waxed Cord", 39.99, 3, ["brass", "necklace"], "Textured brass disc on an adjustable cord.", "jewellery"],
      ["Recycled Gold Stacking Ring", 165, 1, ["gold", "ring"], "9 ct recycled gold, hammered finish.", "jewellery"],
      ["Freshwater Pearl Drop Earrings", 74, 1, ["silver", "pearl", "earrings"], "Baroque pearls on sterling hooks.", "jewellery"],
      ["Hand-Forged Silver Chain Bracelet", 96, 1, ["silver", "bracelet", "chain"], "Every link formed and soldered by hand.", "jewellery"],
      ["Enamelled Copper Brooch", 45, 1, ["copper", "enamel", "brooch"], "Kiln-fired vitreous enamel on copper.", "jewellery"],
    ],
  },
];

const BUYERS = [
  { username: "ben", email: "ben@example.com" },
  { username: "chloe", email: "chloe@example.com" },
  { username: "dev", email: "dev@example.com" },
];

// The marketplace's admin (web app: /admin): made with the master key, as only it makes admins.
const ADMIN = { username: "ada", email: "ada@example.com" };

const SKU_PREFIX = { ceramics: "POT", woodwork: "WOD", textiles: "TEX", jewellery: "JEW" };
const CATEGORY_LINE = {
  ceramics: "Made by hand in small numbers; glaze and colour vary from piece to piece.",
  woodwork: "Finished with food-safe oil and beeswax; re-oil now and then.",
  textiles: "Natural fibres; wash by hand in cold water.",
  jewellery: "Made at the bench; comes in a recycled-card box.",
};

// What a product's photo shows, by category, and in which colours.
const SHAPES = {
  ceramics: (title) => (/vase|jar|pitcher|flask/i.test(title) ? "vase" : "bowl"),
  woodwork: () => "board",
  textiles: () => "cloth",
  jewellery: () => "ring",
};
const PALETTE = {
  ceramics: ["#3b7a8c", "#8b4513", "#c9b79c", "#2f4f4f", "#6b8e23"],
  woodwork: ["#8b5a2b", "#a0522d", "#5c4033", "#deb887"],
  textiles: ["#b03a2e", "#1f618d", "#7d6608", "#6c3483"],
  jewellery: ["#c0c0c0", "#d4af37", "#b87333"],
};
const PORTRAITS = ["#a0522d", "#2e5e4e", "#6c3483"];

/** The products of every artisan, in a fixed order, with SKUs numbered per prefix. */
export function demoProducts() {
  const counters = {};
  return ARTISANS.flatMap((artisan, artisanIndex) =>
    artisan.products.map(([title, price, stock, tags, detail, category = artisan.category]) => {
      const prefix = SKU_PREFIX[category];
      counters[prefix] = (counters[prefix] ?? 0) + 1;
      const sku = `${prefix}-${String(counters[prefix]).padStart(4, "0")}`;
      const slug = sku.toLowerCase();
      const n = counters[prefix];
      return {
        artisanIndex,
        photo: {
          name: `${slug}.png`,
          shape: SHAPES[category](title),
          colour: PALETTE[category][n % PALETTE[category].length],
          seed: n,
        },
        body: {
          title,
          description: `${detail} ${CATEGORY_LINE[category]}`,
          sku,
          price,
          stock,
          tags: [category, "handmade", ...tags],
        },
      };
    }),
  );
}

function printLogins() {
  console.log(`demo logins (password "${DEMO_PASSWORD}"):`);
  console.log(`  artisans: ${ARTISANS.map((a) => a.username).join(", ")}`);
  console.log(`  buyers:   ${BUYERS.map((b) => b.username).join(", ")}`);
  console.log(`  admin:    ${ADMIN.username}`);
}

function readConfig() {
  const appId =
    process.env.APP_ID ??
    (() => {
      const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
      const vars = toml.split(/^\s*\[vars\]\s*$/m)[1]?.split(/^\s*\[/m)[0] ?? "";
      return vars.match(/^\s*APP_ID\s*=\s*"([^"]*)"/m)?.[1];
    })();
  let masterKey = process.env.MASTER_KEY;
  if (!masterKey) {
    try {
      const vars = readFileSync(join(root, ".dev.vars"), "utf8");
      masterKey = vars.match(/^\s*MASTER_KEY\s*=\s*"?([^"\n]*)"?\s*$/m)?.[1];
    } catch {
      // reported below
    }
  }
  if (!appId) fail("no APP_ID: set it or put it in wrangler.toml [vars]");
  if (!masterKey) fail("no MASTER_KEY: set it or run `make dev` once to create .dev.vars");
  const baseUrl = (process.env.PARSE_URL ?? "http://127.0.0.1:8787/parse").replace(/\/+$/, "");
  return { appId, masterKey, baseUrl, mountPath: new URL(baseUrl).pathname };
}

function fail(message) {
  console.error(`[seed] ${message}`);
  process.exit(1);
}

async function main() {
  if (process.argv.includes("--print-logins")) {
    printLogins();
    return;
  }
  const { appId, masterKey, baseUrl, mountPath } = readConfig();

  async function call(method, path, body) {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        "X-Parse-Application-Id": appId,
        "X-Parse-Master-Key": masterKey,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async function must(method, path, body) {
    const r = await call(method, path, body);
    if (r.status < 200 || r.status > 299) fail(`${method} ${path} answered ${r.status}: ${r.text}`);
    if (r.json === undefined) fail(`${method} ${path} answered ${r.status} with non-JSON: ${r.text}`);
    return r.json;
  }

  // A batch answers 200 with one {success} or {error} per request; any error fails the seed.
  async function batch(requests) {
    const out = [];
    for (let i = 0; i < requests.length; i += 50) {
      const chunk = requests.slice(i, i + 50);
      const results = await must("POST", "/batch", { requests: chunk });
      if (!Array.isArray(results) || results.length !== chunk.length) {
        fail(`POST /batch answered ${JSON.stringify(results)}`);
      }
      results.forEach((r, j) => {
        if (!r?.success) fail(`POST /batch: ${chunk[j].path} ${JSON.stringify(chunk[j].body)} → ${JSON.stringify(r)}`);
        out.push(r.success);
      });
    }
    return out;
  }

  // A photo drawn here, uploaded as the SDKs upload a file; answers its File value.
  async function upload(name, bytes) {
    const res = await fetch(`${baseUrl}/files/${encodeURIComponent(name)}`, {
      method: "POST",
      headers: { "X-Parse-Application-Id": appId, "X-Parse-Master-Key": masterKey, "Content-Type": "image/png" },
      body: bytes,
    });
    const text = await res.text();
    if (res.status !== 201) fail(`POST /files/${name} answered ${res.status}: ${text}`);
    return { __type: "File", name: JSON.parse(text).name };
  }
  async function uploadAll(items, make) {
    const out = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await make(items[i], i);
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return out;
  }

  const pointer = (className, objectId) => ({ __type: "Pointer", className, objectId });
  const ownAcl = (userId) => ({ "*": { read: true }, [userId]: { read: true, write: true } });

  // Users. A user left by an earlier, interrupted seed (202 username taken) is looked up instead.
  async function user(u, role) {
    // Demo addresses are not mailboxes: they count as verified (only the master key may say so).
    const r = await call("POST", "/users", { ...u, password: DEMO_PASSWORD, role, emailVerified: true });
    if (r.status === 201 && r.json?.objectId) return r.json.objectId;
    if (r.json?.code === 202) {
      const where = encodeURIComponent(JSON.stringify({ username: u.username }));
      const found = await must("GET", `/users?where=${where}&limit=1`);
      const id = found.results?.[0]?.objectId;
      if (id) return id;
    }
    fail(`POST /users ${u.username} answered ${r.status}: ${r.text}`);
  }
  // The admin first, so a database seeded before admins existed gains one too.
  await user(ADMIN, "admin");

  const existing = await must("GET", "/classes/Artisan?count=1&limit=0");
  if (typeof existing.count !== "number") fail(`Artisan count answered ${JSON.stringify(existing)}`);
  if (existing.count > 0) {
    console.log(`[seed] ${existing.count} artisans already there: nothing to do (delete .wrangler/state to start over)`);
    return;
  }

  const artisanUserIds = [];
  for (const a of ARTISANS) artisanUserIds.push(await user({ username: a.username, email: a.email }, "artisan"));
  for (const b of BUYERS) await user(b, "buyer");

  const portraits = await uploadAll(ARTISANS, (a, i) => upload(`${a.username}.png`, portrait(PORTRAITS[i % PORTRAITS.length])));
  const artisanIds = (
    await batch(
      ARTISANS.map((a, i) => ({
        method: "POST",
        path: `${mountPath}/classes/Artisan`,
        body: {
          name: a.name,
          description: a.description,
          photo: portraits[i],
          user: pointer("_User", artisanUserIds[i]),
          ACL: ownAcl(artisanUserIds[i]),
        },
      })),
    )
  ).map((s) => s.objectId);

  const products = demoProducts();
  const photos = await uploadAll(products, ({ photo }) =>
    upload(photo.name, productPhoto(photo.shape, photo.colour, photo.seed)),
  );
  await batch(
    products.map(({ artisanIndex, body }, i) => ({
      method: "POST",
      path: `${mountPath}/classes/Product`,
      body: {
        ...body,
        images: [photos[i]],
        owner: pointer("Artisan", artisanIds[artisanIndex]),
        ACL: ownAcl(artisanUserIds[artisanIndex]),
      },
    })),
  );

  console.log(
    `[seed] created ${ARTISANS.length + BUYERS.length + 1} users, ${artisanIds.length} artisans, ${products.length} products, ` +
      `${portraits.length + photos.length} photos`,
  );
  printLogins();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e) => fail(e?.cause ? `${e.message}: ${e.cause.message ?? e.cause}` : String(e?.stack ?? e)));
}
