// lockstep product list|get|create|purchase (API.md §9, §13).
#include <iostream>

#include "commands.h"

namespace lockstep::cli {
namespace {

struct ProductArgs {
  std::string id, name, page_token;
  std::int64_t stock = 0, quantity = 1;
  double price = 0;
  int limit = 0;
};

void add_list(CLI::App* product, Selection& sel) {
  auto a = std::make_shared<ProductArgs>();
  auto* cmd = product->add_subcommand("list", "List products (one page)");
  examples(cmd, {"lockstep product list --limit 20"});
  cmd->add_option("--limit", a->limit, "At most N products")->check(CLI::Range(1, 500));
  cmd->add_option("--page-token", a->page_token, "Continue after a previous page");
  on_run(cmd, sel, [a, cmd](Context& ctx) {
    auto r = ctx.client.list_products(given(cmd, "--limit", a->limit), given(cmd, "--page-token", a->page_token));
    return finish(r, ctx.format, [](const ProductPage& page) {
      print_products(std::cout, page.products);
      if (page.next_page_token) std::cout << "(more: --page-token " << *page.next_page_token << ")\n";
    });
  });
}

void add_get(CLI::App* product, Selection& sel) {
  auto a = std::make_shared<ProductArgs>();
  auto* cmd = product->add_subcommand("get", "Show one product");
  examples(cmd, {"lockstep product get ID -o json"});
  cmd->add_option("ID", a->id, "Product id")->required();
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.get_product(a->id), ctx.format, [](const Product& p) { print_product(std::cout, p); });
  });
}

void add_create(CLI::App* product, Selection& sel) {
  auto a = std::make_shared<ProductArgs>();
  auto* cmd = product->add_subcommand("create", "Create a product");
  examples(cmd, {"lockstep product create --name \"Last ticket\" --stock 10 --price 25"});
  cmd->add_option("--name", a->name, "Name (1-200 characters)")->required();
  cmd->add_option("--stock", a->stock, "Items in stock")->required()->check(CLI::NonNegativeNumber);
  cmd->add_option("--price", a->price, "Price")->required()->check(CLI::NonNegativeNumber);
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.create_product({a->name, a->stock, a->price}), ctx.format,
                  [](const Product& p) { print_product(std::cout, p); });
  });
}

void add_purchase(CLI::App* product, Selection& sel) {
  auto a = std::make_shared<ProductArgs>();
  auto* cmd = product->add_subcommand("purchase", "Buy N items if N are in stock (exit 3 when not)");
  examples(cmd, {"lockstep product purchase ID -n 2"});
  cmd->add_option("ID", a->id, "Product id")->required();
  cmd->add_option("--quantity,-n", a->quantity, "How many (default 1)")->check(CLI::PositiveNumber);
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.purchase(a->id, a->quantity), ctx.format, [](const Purchase& p) {
      std::cout << "Purchased " << p.purchased << "; " << p.product.stock << " left\n";
      print_product(std::cout, p.product);
    });
  });
}

}  // namespace

void add_product_commands(CLI::App& app, Selection& sel) {
  auto* product = app.add_subcommand("product", "Products: list, get, create, purchase");
  examples(product, {"lockstep product list", "lockstep product purchase ID --quantity 2"});
  product->require_subcommand(1);
  add_list(product, sel);
  add_get(product, sel);
  add_create(product, sel);
  add_purchase(product, sel);
}

}  // namespace lockstep::cli
