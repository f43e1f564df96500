"""The Chinese details of the gateway's errors and of the helpers every service shares."""

from __future__ import annotations

TEXTS: dict[str, str] = {
    # shared
    "policy row {strip}: unknown method or scope {value}": "权限规则行 {strip}：方法或密钥权限 {value} 无法识别",
    "no job {job_id} with a file": "任务 {job_id} 不存在，或没有生成文件",
    "job {job_id} is {state}: its file is made when it succeeds":
        "任务 {job_id} 当前状态为 {state}：任务成功后才会生成文件",
    "only PostgreSQL is supported, got driver {drivername}": "仅支持 PostgreSQL，收到的驱动为 {drivername}",
    "{name} is unavailable": "{name} 暂不可用",
    "{name} did not answer in time": "{name} 未能及时响应",
    "{name} did not finish its answer in time": "{name} 未能及时返回完整结果",
    "{name}'s answer was cut short": "{name} 返回的结果不完整（中途中断）",
    "{service} is unavailable": "{service} 暂不可用",
    "{service} did not answer in time": "{service} 未能及时响应",
    "{service} answered {status} for {path}": "{service} 对 {path} 返回了 {status}",
    "{name} failed with status {status_code}": "{name} 处理失败，状态码 {status_code}",
    "min_share {min_share} is not between 0 and 1": "min_share {min_share} 不在 0 到 1 之间",
    "period {code} is not {FORMS}": "考核周期 {code} 的写法应为 {FORMS}",
    "year {year} is out of range": "年份 {year} 超出范围",
    "period {code}: month {month} is not 01-12": "考核周期 {code}：月份 {month} 不在 01–12 之间",
    "period {code}: quarter {quarter} is not 1-4": "考核周期 {code}：季度 {quarter} 不在 1–4 之间",
    "period {code}: half {half} is not 1 or 2": "考核周期 {code}：半年 {half} 应为 1 或 2",
    "{name} is a well-known default; set a random value of at least {MIN_SECRET_BYTES} bytes (e.g. `python -c "
    "'import secrets; print(secrets.token_urlsafe(48))'`)":
        "{name} 是众所周知的默认值；请设置至少 {MIN_SECRET_BYTES} 字节的随机值（例如 `python -c 'import secrets; "
        "print(secrets.token_urlsafe(48))'`）",
    "{name} is {len} bytes; it must be at least {MIN_SECRET_BYTES} (e.g. `python -c 'import secrets; "
    "print(secrets.token_urlsafe(48))'`)":
        "{name} 只有 {len} 字节，至少应为 {MIN_SECRET_BYTES} 字节（例如 `python -c 'import secrets; "
        "print(secrets.token_urlsafe(48))'`）",
    "{service} answered {status_code} for {path}": "{service} 对 {path} 返回了 {status_code}",
    "records answered {status_code} for {path}": "纪实管理服务对 {path} 返回了 {status_code}",
    " (and {count} more)": "（另有 {count} 处）",
    "The request was not carried out; retry shortly.": "请求未执行，请稍后重试。",
    "records did not answer for {path}": "纪实管理服务未对 {path} 作出应答",
    "records did not answer for the honours": "纪实管理服务未对荣誉台账作出应答",
    "records did not answer for the units of group {group}": "纪实管理服务未对考评组 {group} 的单位作出应答",
    "not a cursor this list gave: send back the `after` of a `next` as it was":
        "游标不是本列表给出的：请原样传回 `next` 链接中的 `after`",
    "The server failed to handle this request; it has been logged.": "服务器处理请求失败，已记录日志。",
    "This service accepts calls from the gateway only.": "本服务只接受来自统一入口的调用。",
    "Service token rejected: {exc}.": "服务凭据被拒绝：{exc}。",
    # worded by the standard library or by a handler, not at a raise site
    "Invalid week: {week}": "无效的周数：{week}",
    "A value in the request cannot be stored as given (for example a NUL character in text or a number out of range).":
        "请求中的某个值无法按原样保存（例如文本中含 NUL 字符，或数字超出范围）。",
    " as of {day}": "（按 {day} 计）",
    # gateway: passwords, sessions, limits, idempotency, metrics
    "the current password is wrong": "当前密码不正确",
    "the sign-in has ended or the account is disabled": "登录已失效或账号已停用",
    "KAOHE_ADMIN_PASSWORD fails the password policy ({value}): {value1}":
        "KAOHE_ADMIN_PASSWORD 不符合密码规则（{value}）：{value1}",
    "GATEWAY_IDEMPOTENCY_LEASE_SECONDS must be longer than GATEWAY_UPSTREAM_TIMEOUT_SECONDS, or a retry could take "
    "over a request that is still running":
        "GATEWAY_IDEMPOTENCY_LEASE_SECONDS 必须长于 GATEWAY_UPSTREAM_TIMEOUT_SECONDS，否则重试可能接管仍在处理的请求",
    "the gateway's database is unavailable; retry shortly": "统一入口的数据库暂不可用，请稍后重试",
    "this sign-in has ended (signed out, password changed or reset, or the account disabled); sign in again":
        "本次登录已失效（已退出、密码已修改或重置，或账号已停用），请重新登录",
    "this sign-in may only change the password: POST {PASSWORD_CHANGE_PATH}":
        "本次登录只能修改密码：POST {PASSWORD_CHANGE_PATH}",
    "limit {join} reached; retry in {retry} s": "已达到限额 {join}，请 {retry} 秒后重试",
    "only province and region administrators reset passwords": "只有省级和地区管理员可以重置密码",
    "API keys do not sign in, sign out or have a password": "API 密钥不能登录、退出，也没有密码",
    "{method} is not offered on {path}; it offers {join}": "{path} 不支持 {method}，支持的方法为 {join}",
    "the write with this key is stored; read it back instead of sending it again":
        "使用此键的写入已保存，请读取结果，不要再次发送",
    "no route /metrics": "没有 /metrics 路由",
    "send the metrics token: Authorization: Bearer <GATEWAY_METRICS_TOKEN>":
        "请发送监控凭据：Authorization: Bearer <GATEWAY_METRICS_TOKEN>",
    # gateway: accounts and signing in
    "a {role} needs {field}": "{role:role}账号须提供 {field}",
    "results:read and inputs:write keys act for one region: give region_id":
        "results:read 和 inputs:write 密钥只作用于一个地区：请提供 region_id",
    "the username {username} is taken": "用户名 {username} 已被使用",
    "no API key {key_id}": "接口密钥 {key_id} 不存在",
    "the refresh token is unknown, expired or revoked": "刷新凭据不存在、已过期或已吊销",
    "the account is disabled": "该账号已停用",
    "retry in a moment": "请稍后重试",
    "the key was first used for {method} {path} with another body": "该幂等键已用于内容不同的 {method} {path} 请求",
    "the first request with this key has not finished; retry in a moment":
        "使用该幂等键的第一个请求尚未完成，请稍后重试",
    "the access token has expired; refresh it": "登录已过期，请刷新或重新登录。",
    "the access token is not valid": "登录凭据无效，请重新登录。",
    "the API key is unknown or revoked": "接口密钥无效或已吊销。",
    "sign in (Authorization: Bearer …) or send an API key (X-API-Key)":
        "请先登录（Authorization: Bearer …）或提供接口密钥（X-API-Key）。",
    "limit {item} reached; retry in {retry} s": "已达到限额 {item}，请 {retry} 秒后重试",
    "this needs one of: {join}": "此操作需要以下角色之一：{join}",
    "no user {user_id}": "用户 {user_id} 不存在",
    "a member needs person_id": "普通人员账号须提供 person_id",
    "a {role} needs unit_id": "{role:role}账号须提供 unit_id",
    "a region_admin needs region_id": "地区管理员账号须提供 region_id",
    "too many failures from this address; try again after {until}": "该地址登录失败次数过多，请于 {until} 之后再试",
    "wrong username or password": "用户名或密码错误",
    "API keys do not sign in or out": "接口密钥无需登录或退出",
    "GET {template} is not open to this caller": "GET {template} 不对您的角色或接口密钥开放",
    "{method} {template} is not open to this caller": "{method} {template} 不对您的角色或接口密钥开放",
    # gateway: routes of its own
    "{service} answered {status_code} for the event feed": "{service} 获取消息时返回了 {status_code}",
    "not a cursor this feed gave: send back a `next` as it was": "游标不是本消息流给出的：请原样传回 `next`",
    "the feed no longer keeps the deletions since this cursor; start again from 0":
        "变更流已不再保留此游标之后的删除记录，请从 0 重新开始",
    "this cursor is a position in the change log results are no longer read from; start again from 0":
        "此游标指向的变更日志已不再用于读取考核结果，请从 0 重新开始",
    "an API key has no event feed; sign in as a user": "接口密钥没有消息，请以用户身份登录",
    "an API key has no results of its own": "接口密钥没有本人的考核结果",
    "your account is not a person of the roster: you have no results of your own":
        "您的账号不对应人员名册中的人员，没有本人的考核结果",
    "a to-do is a signed-in user's; an API key has none": "待办事项属于登录用户，接口密钥没有待办事项",
    "my unit is for unit administrators, leaders and the region's administrators":
        "“我的单位”仅供单位管理员、领导和地区管理员使用",
    "you have no unit of your own: name one with unit_id": "您没有本人所属的单位：请用 unit_id 指定单位",
    "the {service} service did not answer in time": "{service}服务未能及时响应",
    "the {service} service is unavailable": "{service}服务暂不可用",
    "request body is larger than the limit of {limit} bytes": "请求内容超过了 {limit} 字节的上限",
    "{method} is not offered on {path}": "{path} 不支持 {method} 方法",
    "no route {path}": "没有路径 {path}",
    "no service named {service}": "没有名为 {service} 的服务",
    # a path not in its canonical form (its reason, then what to do)
    "{why}; send the route's path as it is documented": "{why}；请按文档中的写法发送路径",
    "the path holds an encoded '.', '/' or '\\'": "路径中含有编码的“.”“/”或“\\”",
    "the path holds a backslash or a control character": "路径中含有反斜杠或控制字符",
    "the path holds a '.', '/' or '\\' percent-encoded twice": "路径中的“.”“/”或“\\”经过了两次百分号编码",
    "the path holds a '.' or '..' segment": "路径中含有“.”或“..”段",
    "the path holds an empty segment ('//')": "路径中含有空段（“//”）",
    "an Idempotency-Key is 1 to 200 characters": "Idempotency-Key 应为 1 到 200 个字符",
    # gateway: what an account may be bound to
    "no unit {unit_id}": "单位 {unit_id} 不存在",
    "no region {region_id}": "地区 {region_id} 不存在",
    "no person {person_id}": "人员 {person_id} 不存在",
    "only province and region administrators manage accounts": "只有省级和地区管理员可以管理账号",
    "only a province administrator makes province administrators": "只有省级管理员可以设立省级管理员",
    "the person is not placed in one unit today: name the unit": "此人今天不在唯一一个单位任职：请指定单位",
    "the person is not placed in unit {unit_id} today": "此人今天不在单位 {unit_id} 任职",
    "unit {unit_id} is not in region {region_id}": "单位 {unit_id} 不属于地区 {region_id}",
    # time zone
    "unknown time zone {name}": "未知的时区 {name}",
    "a timestamp without a time zone has no business day": "不带时区的时间戳无法确定业务日期",
    # backup and restore (kaohe backup / restore)
    "{name} is not installed: install the PostgreSQL client tools of the server's version":
        "未安装 {name}：请安装与服务器版本一致的 PostgreSQL 客户端工具",
    "{what} ({hidden}) failed: {strip}": "{what}（{hidden}）失败：{strip}",
    "the database at {hidden} has no schema {join}: is it kaohe's, and migrated?":
        "{hidden} 的数据库中没有模式 {join}：它是否为 kaohe 的数据库，且已迁移？",
    "{path} is not a kaohe backup (no readable {MANIFEST})": "{path} 不是 kaohe 备份（没有可读的 {MANIFEST}）",
    "{path} is a backup of format {get}; this kaohe reads {FORMAT}":
        "{path} 是格式 {get} 的备份；此版本 kaohe 读取格式 {FORMAT}",
    "schema {schema} at {hidden} already holds {value} tables: restore into a fresh database":
        "{hidden} 的模式 {schema} 中已有 {value} 张表：请恢复到一个新的数据库",
    "schema {schema} is missing at {hidden} and cannot be made there ({exc}): create it for its role first (as "
    "shared.provision or init-roles.sh do)":
        "{hidden} 中没有模式 {schema}，且无法创建（{exc}）：请先为其角色创建该模式（如 shared.provision 或 "
        "init-roles.sh 所做）",
    "{path} is not a kaohe backup: {exc}": "{path} 不是 kaohe 备份：{exc}",
    "no database URL for schema {join} of the backup": "备份中的模式 {join} 没有对应的数据库地址",
    # API keys and webhooks
    "{join} keys act for one region: give region_id": "{join} 权限的密钥只作用于一个地区：请提供 region_id",
    "the URL must start with http:// or https://": "地址必须以 http:// 或 https:// 开头",
    "the URL must name a host": "地址必须包含主机名",
    "the URL must not carry a user name or password: deliveries are signed instead":
        "地址中不得包含用户名或密码：推送以签名验证",
    "the URL must not have a #fragment": "地址中不得包含 #片段",
    "no region {wanted}": "地区 {wanted} 不存在",
    "records answered {status_code} for the region": "records 服务对该地区的查询返回了 {status_code}",
    "no webhook {webhook_id}": "回调 {webhook_id} 不存在",
    "at least one key seals webhook secrets": "至少需要一个密钥来加密保存回调密钥",
    "no key of GATEWAY_WEBHOOK_KEYS opens this webhook's secret": "GATEWAY_WEBHOOK_KEYS 中没有能解开此回调密钥的密钥",
    "webhooks are not delivered to {address}, {why}": "回调不会推送到 {address}（{why}）",
    "webhooks are not delivered to {address}, a network the operator denies":
        "回调不会推送到 {address}：运维人员已禁止该网段",
    "webhooks are not delivered to {address}, a loopback address": "回调不会推送到 {address}：这是本机回环地址",
    "webhooks are not delivered to {address}, a link-local address":
        "回调不会推送到 {address}：这是链路本地地址（如云平台元数据服务）",
    "webhooks are not delivered to {address}, a multicast address": "回调不会推送到 {address}：这是组播地址",
    "webhooks are not delivered to {address}, an unspecified address": "回调不会推送到 {address}：这是未指定地址",
    "webhooks are not delivered to {address}, a reserved address": "回调不会推送到 {address}：这是保留地址",
    "no delivery {delivery_id} of webhook {webhook_id}": "回调 {webhook_id} 没有推送记录 {delivery_id}",
    # a field's message
    "required for a region's administrator": "地区管理员须提供",
}
