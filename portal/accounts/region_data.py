"""Administrative divisions the five programs cover (GB/T 2260 codes; development zones use the
statistical 71–73 codes). Loaded by a data migration; staff may add more in the admin."""

REGIONS = [
    ("410000", "河南省", [
        ("410100", "郑州市", [
            ("410102", "中原区"), ("410103", "二七区"), ("410104", "管城回族区"), ("410105", "金水区"),
            ("410106", "上街区"), ("410108", "惠济区"), ("410122", "中牟县"), ("410181", "巩义市"),
            ("410182", "荥阳市"), ("410183", "新密市"), ("410184", "新郑市"), ("410185", "登封市"),
            ("410171", "郑州航空港经济综合实验区"), ("410172", "郑州高新技术产业开发区"),
            ("410173", "郑州经济技术开发区"),
        ]),
        ("410700", "新乡市", [
            ("410702", "红旗区"), ("410703", "卫滨区"), ("410704", "凤泉区"), ("410711", "牧野区"),
            ("410721", "新乡县"), ("410724", "获嘉县"), ("410725", "原阳县"), ("410726", "延津县"),
            ("410727", "封丘县"), ("410781", "卫辉市"), ("410782", "辉县市"), ("410783", "长垣市"),
            ("410771", "新乡高新技术产业开发区"), ("410772", "新乡经济技术开发区"),
            ("410773", "新乡市平原城乡一体化示范区"),
        ]),
    ]),
    ("130000", "河北省", [
        ("130100", "石家庄市", [
            ("130102", "长安区"), ("130104", "桥西区"), ("130105", "新华区"), ("130107", "井陉矿区"),
            ("130108", "裕华区"), ("130109", "藁城区"), ("130110", "鹿泉区"), ("130111", "栾城区"),
            ("130121", "井陉县"), ("130123", "正定县"), ("130125", "行唐县"), ("130126", "灵寿县"),
            ("130127", "高邑县"), ("130128", "深泽县"), ("130129", "赞皇县"), ("130130", "无极县"),
            ("130131", "平山县"), ("130132", "元氏县"), ("130133", "赵县"), ("130181", "辛集市"),
            ("130183", "晋州市"), ("130184", "新乐市"), ("130171", "石家庄高新技术产业开发区"),
            ("130172", "石家庄循环化工园区"),
        ]),
    ]),
]


def load_regions(Region) -> None:
    """Create or rename the regions above; idempotent. `Region` may be a migration's historical model."""

    def upsert(code, name, level, parent):
        path = f"{parent.path if parent else ''}{code}/"
        region, _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent, "path": path}
        )
        return region

    for province_code, province_name, cities in REGIONS:
        province = upsert(province_code, province_name, "province", None)
        for city_code, city_name, districts in cities:
            city = upsert(city_code, city_name, "city", province)
            for district_code, district_name in districts:
                upsert(district_code, district_name, "district", city)
